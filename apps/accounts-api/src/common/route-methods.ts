/**
 * Which methods the API's controllers serve on a path, so a request with another method is
 * answered 405 with `Allow` instead of 404 (RFC 9110 §15.5.6). Read once at start-up from the
 * controllers' route metadata.
 */
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import type { ModulesContainer } from '@nestjs/core';

/** Answers the methods served on a request path (`[]` when no route has that path). */
export type RouteMethods = (path: string) => string[];

interface Route {
  pattern: RegExp;
  method: string;
}

function joinPath(prefix: string, path: string): string {
  return `/${[prefix, path]
    .flatMap((part) => part.split('/'))
    .filter(Boolean)
    .join('/')}`;
}

/** `/accounts/:accountId` as a RegExp; undefined for wildcards or optional parts. */
function compile(path: string): RegExp | undefined {
  if (/[*?+(){}]/.test(path)) return undefined;
  const source = path
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.^$|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}/?$`);
}

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

/**
 * Collects every controller route of the application (global prefix and versioning are not
 * used by this API). Routes with wildcards are left out: their paths then answer 404 as before.
 *
 * @example
 * const methods = routeMethods(app.get(ModulesContainer));
 * methods('/accounts/acc-1'); // ['GET', 'HEAD']
 */
export function routeMethods(modules: ModulesContainer): RouteMethods {
  const routes: Route[] = [];
  for (const module of modules.values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (typeof controller !== 'function') continue;
      const prefixes = asList(Reflect.getMetadata(PATH_METADATA, controller));
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = Object.getOwnPropertyDescriptor(prototype, name)?.value as unknown;
        if (typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        const paths = asList(Reflect.getMetadata(PATH_METADATA, handler));
        if (method === undefined || paths.length === 0) continue;
        for (const prefix of prefixes.length ? prefixes : ['']) {
          for (const path of paths) {
            const pattern = compile(joinPath(prefix, path));
            if (pattern) routes.push({ pattern, method: RequestMethod[method] });
          }
        }
      }
    }
  }
  return (path) => {
    const methods = new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods];
  };
}
