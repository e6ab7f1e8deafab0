import type { Queue } from 'bullmq';

/**
 * Returns the ids, out of `jobIds`, that have no job in `queue`. A row that
 * was handed to BullMQ but whose job is missing was lost, for example by a
 * Redis restart without persistence. The commands are sent together, so
 * the check costs about one round trip.
 */
export async function missingJobIds(
  queue: Queue,
  jobIds: string[],
): Promise<string[]> {
  if (jobIds.length === 0) return [];
  const client = await queue.getBackend().client;
  // Every job hash has a `timestamp` field (when the job was added).
  const present = await Promise.all(
    jobIds.map((id) => client.hexists(queue.toKey(id), 'timestamp')),
  );
  return jobIds.filter((_, index) => present[index] === 0);
}
