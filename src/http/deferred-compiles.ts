import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { FastifySchemaCompiler, FastifyServerOptions } from 'fastify';
import { compileExactSerializer } from './exact-serializer.js';
import { validatorCompiler } from './validation.js';

/**
 * issue 9 item 3 — Fastify compiles every route's validators (Ajv) and response serializers
 * (fast-json-stringify) before it listens: after loading the code, the largest part of start-up.
 * Here each is compiled on its route's first use instead, and `compileRest`, run once the server
 * listens, compiles the others in the background, one per event-loop turn, so a request rarely
 * waits for one.
 */
export class DeferredCompiles {
  readonly #pending = new Set<() => unknown>();

  /** `build` runs once: on the first call of the function returned, or in `compileRest`. */
  defer<T>(build: () => T): () => T {
    let built: { value: T } | undefined;
    const get = () => {
      if (built === undefined) {
        built = { value: build() };
        this.#pending.delete(get);
      }
      return built.value;
    };
    this.#pending.add(get);
    return get;
  }

  /** Compiles what is still pending; a schema that fails to compile is reported here once. */
  async compileRest(onError: (error: unknown) => void): Promise<void> {
    for (const get of this.#pending) {
      await new Promise((resolve) => setImmediate(resolve));
      try {
        get();
      } catch (error) {
        // The route's requests fail with this error too (500), never pass unchecked.
        this.#pending.delete(get);
        onError(error);
      }
    }
  }

  /** Qualify's Ajv validators (http/validation.ts), each compiled when first needed. */
  validatorCompiler(): FastifySchemaCompiler<unknown> {
    return (route) => {
      const compiled = this.defer(() => validatorCompiler(route));
      const validate: ReturnType<FastifySchemaCompiler<unknown>> = (data: unknown) => {
        const check = compiled();
        const result = check(data);
        validate.errors = check.errors;
        return result;
      };
      return validate;
    };
  }

  /**
   * Response serializers, each compiled when first needed: `exact-serializer.ts` for plain
   * shapes, Fastify's own (fast-json-stringify) for the rest and for values that do not fit.
   */
  schemaController(): NonNullable<FastifyServerOptions['schemaController']> {
    const build = SerializerSelector();
    return {
      compilersFactory: {
        buildSerializer: (externalSchemas: unknown, options: unknown) => {
          const compile = build(externalSchemas, options as Parameters<typeof build>[1]);
          return (route: Parameters<typeof compile>[0]) => {
            const compiled = this.defer(() => compile(route));
            const fallback = (data: unknown) => compiled()(data);
            // Issue 9 item 4: plain shapes get a serializer of their own (fast-json-stringify stays
            // the fallback for values that do not fit, and the serializer of other shapes).
            const exact = this.defer(() => compileExactSerializer(route.schema));
            return (data: unknown) => {
              const serialize = exact();
              return serialize === undefined ? fallback(data) : serialize(data, fallback);
            };
          };
        },
      },
    };
  }
}
