-- Notifications: which backend owns a row, the trace context of the request
-- that wrote it, and when the database backend may try it again.
CREATE TYPE "NotificationBackend" AS ENUM ('DATABASE', 'BULLMQ');

ALTER TABLE "notification_queue"
    ADD COLUMN "backend" "NotificationBackend" NOT NULL DEFAULT 'DATABASE',
    ADD COLUMN "traceparent" TEXT,
    ADD COLUMN "next_attempt_at" TIMESTAMP(3),
    ADD COLUMN "queued_at" TIMESTAMP(3),
    ADD COLUMN "migrated_at" TIMESTAMP(3);

-- Rows already handed to BullMQ belong to it; every other existing row was
-- written for the cron-based processor.
UPDATE "notification_queue" SET "backend" = 'BULLMQ' WHERE "status" = 'QUEUED';

-- Webhooks: stored on arrival, processed later from a queue.
CREATE TYPE "WebhookStatus" AS ENUM ('RECEIVED', 'QUEUED', 'PROCESSED', 'REJECTED', 'FAILED');

ALTER TABLE "webhook_events"
    ADD COLUMN "status" "WebhookStatus" NOT NULL DEFAULT 'RECEIVED',
    ADD COLUMN "outcome" TEXT,
    ADD COLUMN "attempts" INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN "last_error" TEXT,
    ADD COLUMN "traceparent" TEXT;

-- Events stored by the synchronous handler were applied on arrival.
UPDATE "webhook_events" SET "status" = 'PROCESSED', "outcome" = 'applied'
    WHERE "processed_at" IS NOT NULL;

CREATE INDEX "webhook_events_status_received_at_idx" ON "webhook_events"("status", "received_at");

-- Airtime purchases keep the network and phone number they were made for.
ALTER TABLE "transactions" ADD COLUMN "metadata" JSONB;

-- Jobs that failed for good, for an operator to list and replay.
CREATE TABLE "dead_letters" (
    "id" UUID NOT NULL,
    "queue" TEXT NOT NULL,
    "job_id" TEXT NOT NULL,
    "job_name" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "attempts" INTEGER NOT NULL,
    "error" TEXT NOT NULL,
    "traceparent" TEXT,
    "failed_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "replayed_at" TIMESTAMP(3),

    CONSTRAINT "dead_letters_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "dead_letters_replayed_at_failed_at_idx" ON "dead_letters"("replayed_at", "failed_at");
