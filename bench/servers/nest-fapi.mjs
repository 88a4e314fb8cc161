// Nest + fapi-guard, on platform-express or platform-fastify (PLATFORM). Decorators are applied
// by hand because this file is plain JavaScript.
import 'reflect-metadata';
import { Controller, Get, Module, Req } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FapiGuardModule, RequireScopes } from '../../packages/nestjs/dist/index.js';
import { PORT, fapiOptions, ready } from './common.mjs';

class AccountsController {
  list(req) {
    return { subject: req.fapi.subject };
  }
}
Req()(AccountsController.prototype, 'list', 0);
Reflect.decorate(
  [Get('accounts'), RequireScopes('accounts')],
  AccountsController.prototype,
  'list',
  Object.getOwnPropertyDescriptor(AccountsController.prototype, 'list'),
);
Reflect.decorate([Controller()], AccountsController);

class AppModule {}
Reflect.decorate(
  [
    Module({
      imports: [FapiGuardModule.forRoot({ ...fapiOptions, global: true })],
      controllers: [AccountsController],
    }),
  ],
  AppModule,
);

let adapter;
if (process.env.PLATFORM === 'fastify') {
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  adapter = new FastifyAdapter();
}
const app = adapter
  ? await NestFactory.create(AppModule, adapter, { logger: false })
  : await NestFactory.create(AppModule, { logger: false });
await app.listen(PORT, '127.0.0.1');
ready(app);
