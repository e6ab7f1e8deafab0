import { Body, Controller, HttpStatus, Param, Patch, UseGuards } from '@nestjs/common';
import { AdminGuard } from '../admin/admin.guard';
import { ApiError } from '../common/api-error';
import { addLogContext } from '../common/logging/log-context';
import { ACCOUNT_STATUSES, KYC_TIERS, UsersService } from './users.service';

/**
 * Changes a user's KYC tier or account status: an operator action, behind
 * `Authorization: Bearer <ADMIN_API_TOKEN>` like the admin endpoints.
 */
@Controller('users')
@UseGuards(AdminGuard)
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Patch(':id')
  async update(@Param('id') id: string, @Body() body: unknown) {
    addLogContext({ userId: id });
    const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const unknown = Object.keys(record).filter((key) => key !== 'kycTier' && key !== 'status');
    const invalid: string[] = [];
    if (record.kycTier !== undefined && !KYC_TIERS.includes(record.kycTier as never)) invalid.push('kycTier');
    if (record.status !== undefined && !ACCOUNT_STATUSES.includes(record.status as never)) invalid.push('status');
    if (unknown.length > 0 || invalid.length > 0 || Object.keys(record).length === 0) {
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        'invalid_fields',
        `send kycTier (${KYC_TIERS.join(', ')}) and/or status (${ACCOUNT_STATUSES.join(', ')})${[...unknown, ...invalid].length ? `; invalid or unknown: ${[...unknown, ...invalid].join(', ')}` : ''}`,
      );
    }
    const user = await this.users.update(id, record as never);
    return { id: user.id, kycTier: user.kycTier, status: user.status };
  }
}
