import { Module } from '@nestjs/common';
import { ConsentGate } from '../security/consent-gate.js';
import { AccountsModule } from '../accounts/accounts.module.js';
import { PaymentsController } from './payments.controller.js';
import { PaymentsService } from './payments.service.js';

@Module({
  imports: [AccountsModule],
  controllers: [PaymentsController],
  providers: [PaymentsService, ConsentGate],
})
export class PaymentsModule {}
