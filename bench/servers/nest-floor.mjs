// The Nest floor, on platform-express or platform-fastify (PLATFORM): a global guard (Nest's
// place for authentication, where fapi-guard's guard runs too) that makes the floor check, and
// a controller answering the same JSON as Nest + fapi-guard. Decorators are applied by hand
// because this file is plain JavaScript.
import 'reflect-metadata';
import { Controller, Get, Injectable, Module, UnauthorizedException } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { PORT, ready } from './common.mjs';
import { body, floorAccepts, rejection } from './floor-check.mjs';

class FloorGuard {
  canActivate(context) {
    const { headers } = context.switchToHttp().getRequest();
    if (!floorAccepts(headers.authorization, headers.dpop))
      throw new UnauthorizedException(rejection);
    return true;
  }
}
Reflect.decorate([Injectable()], FloorGuard);

class AccountsController {
  list() {
    return body();
  }
}
Reflect.decorate(
  [Get('accounts')],
  AccountsController.prototype,
  'list',
  Object.getOwnPropertyDescriptor(AccountsController.prototype, 'list'),
);
Reflect.decorate([Controller()], AccountsController);

class AppModule {}
Reflect.decorate(
  [
    Module({
      controllers: [AccountsController],
      providers: [{ provide: APP_GUARD, useClass: FloorGuard }],
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
