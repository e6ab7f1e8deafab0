import { HttpStatus, Injectable } from '@nestjs/common';
import { AnalyticsService } from '../analytics/analytics.service';
import { ApiError } from '../common/api-error';
import { PrismaService } from '../database/prisma.service';
import type { AccountStatus, KycTier, Prisma, User } from '../generated/prisma/client';

export const KYC_TIERS: KycTier[] = ['TIER_1', 'TIER_2', 'TIER_3'];
export const ACCOUNT_STATUSES: AccountStatus[] = ['ACTIVE', 'SUSPENDED', 'CLOSED'];

@Injectable()
export class UsersService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly analytics: AnalyticsService,
  ) {}

  /**
   * Returns the user, creating it on first sight inside the caller's
   * transaction. When `created` is true, the caller identifies the user
   * once the transaction has committed.
   */
  async findOrCreate(
    tx: Prisma.TransactionClient,
    id: string,
  ): Promise<{ user: User; created: boolean }> {
    const existing = await tx.user.findUnique({ where: { id } });
    if (existing) return { user: existing, created: false };
    const user = await tx.user.upsert({ where: { id }, create: { id }, update: {} });
    return { user, created: true };
  }

  /** Changes the KYC tier or account status and identifies the user again. */
  async update(
    id: string,
    changes: { kycTier?: KycTier; status?: AccountStatus },
  ): Promise<User> {
    const exists = await this.prisma.user.findUnique({ where: { id } });
    if (!exists) throw new ApiError(HttpStatus.NOT_FOUND, 'not_found', 'user not found');
    const user = await this.prisma.user.update({ where: { id }, data: changes });
    if (user.kycTier !== exists.kycTier || user.status !== exists.status) {
      this.analytics.identifyUser(user);
    }
    return user;
  }
}
