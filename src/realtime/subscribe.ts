// Subscriptions over graphql-ws, run with as little per subscription as graphql-js allows: the
// root field's `subscribe` gives the event stream (graphql-js createSourceEventStream, where
// authorization happens), and each event runs the operation's selection over it (graphql-js
// execute with the event as root value, as graphql-js's own subscribe does), through one small
// iterator. Envelop's per-subscription wrappers (one async iterator per plugin hook) are left out.
// An idle subscription then holds its source, this iterator and a copy of its context's fields,
// which is what lets one process hold 10,000 of them (BENCHMARKS.md, P5). What the wrappers did
// for subscriptions, masking unexpected errors, is done here by `mask`.
//
// The caches that Pothos keeps per context object (its Prisma loaders above all) must not outlive
// an event: a relation loaded for one event would be answered again for the next. So an event
// whose selection could load anything (an object-typed field, or a field of Pothos' Prisma plugin
// that may load: a relation count, a selection it fills in, anything but an exposed column) runs
// with a new shallow copy of the context. One that selects only the event's own scalars (a
// progress stream: status, progress, message…) reuses the subscription's context, and its
// per-context caches (auth scopes) live as long as the subscription: at thousands of events a
// second, a cache built and dropped per event was the garbage that lengthened the
// young-generation pauses (BENCHMARKS.md, P4).
import {
  createSourceEventStream,
  execute,
  getNamedType,
  getOperationAST,
  GraphQLError,
  isLeafType,
  locatedError,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';

export type Mask = (result: ExecutionResult) => ExecutionResult;

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

/** The stream of results of a subscription operation, or its refusal. */
export async function subscribe(args: ExecutionArgs, mask: Mask): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  let source: AsyncIterable<unknown> | ExecutionResult;
  try {
    source = await createSourceEventStream(args);
  } catch (err) {
    return failure(mask, err);
  }
  if (!(Symbol.asyncIterator in source)) return masked(mask, source);
  const results = new EventResults(source[Symbol.asyncIterator](), args, mask, scalarsOnly(args));
  // graphql-ws keeps these arguments for the life of the subscription: without the context, the
  // context the subscribe resolver ran with (and the caches kept for it) can go.
  (args as { contextValue?: unknown }).contextValue = undefined;
  return results;
}

/** `mask(result)`; a generic error when masking fails. */
function masked(mask: Mask, result: ExecutionResult): ExecutionResult {
  try {
    return mask(result);
  } catch {
    return { errors: [new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] };
  }
}

/** Extensions by which Pothos' Prisma plugin marks fields that may load rows. */
const LOADING = ['pothosPrismaLoaded', 'pothosPrismaFallback', 'pothosPrismaRelationField', 'pothosPrismaTotalCount', 'pothosPrismaInclude'];

/** A field that may load: one of the above, or a selection of its own that is not an exposed column. */
function loads(extensions: Record<string, unknown> | undefined | null): boolean {
  if (!extensions) return false;
  if (LOADING.some((k) => extensions[k] !== undefined)) return true;
  return extensions.pothosPrismaSelect !== undefined && extensions.pothosExposedField === undefined;
}

/** Whether every field the operation selects under its root field is a leaf read without loading. */
export function scalarsOnly(args: Pick<ExecutionArgs, 'schema' | 'document' | 'operationName'>): boolean {
  const operation = getOperationAST(args.document, args.operationName);
  if (!operation) return false;
  const fragments = new Map(args.document.definitions.flatMap((d) => (d.kind === 'FragmentDefinition' ? [[d.name.value, d] as const] : [])));
  let ok = true;
  // Fields are checked where they are used: under the root field, and in the fragments spread
  // there (each fragment once).
  const seen = new Set<string>();
  const walk = (node: Parameters<typeof visit>[0], typeInfo: TypeInfo, depth: number) => {
    visit(
      node,
      visitWithTypeInfo(typeInfo, {
        Field: {
          enter() {
            depth++;
            if (depth < 2) return;
            const def = typeInfo.getFieldDef();
            if (!def || !isLeafType(getNamedType(def.type)) || loads(def.extensions)) ok = false;
          },
          leave() {
            depth--;
          },
        },
        FragmentSpread(spread) {
          const fragment = fragments.get(spread.name.value);
          if (!fragment) return void (ok = false);
          if (seen.has(fragment.name.value)) return;
          seen.add(fragment.name.value);
          // A fragment's fields are read on its type condition.
          const on = args.schema.getType(fragment.typeCondition.name.value);
          if (!on) return void (ok = false);
          walk(fragment.selectionSet, new TypeInfo(args.schema, on as never), depth);
        },
      }),
    );
  };
  walk(operation, new TypeInfo(args.schema), 0);
  return ok;
}

/** The masked result of an error. */
const failure = (mask: Mask, err: unknown) => masked(mask, { errors: [err instanceof GraphQLError ? err : locatedError(err, [])] });

class EventResults implements AsyncIterableIterator<ExecutionResult> {
  private ended = false;
  private readonly args: ExecutionArgs;

  constructor(
    private readonly source: AsyncIterator<unknown>,
    args: ExecutionArgs,
    private readonly mask: Mask,
    /** Events run with the subscription's context itself, not a copy per event (see above). */
    private readonly reuseContext = false,
  ) {
    // Not the context object the subscribe resolver ran with: that one goes with its caches.
    this.args = { ...args, contextValue: { ...(args.contextValue as object), rate: {} } };
  }

  async next(): Promise<IteratorResult<ExecutionResult>> {
    if (this.ended) return DONE;
    try {
      const event = await this.source.next();
      if (event.done) {
        this.ended = true;
        return DONE;
      }
      const contextValue = this.reuseContext ? this.args.contextValue : { ...(this.args.contextValue as object) };
      return { value: this.mask(await execute({ ...this.args, rootValue: event.value, contextValue })), done: false };
    } catch (err) {
      // A stream that fails, or an event that cannot be run, ends the subscription with its
      // (masked) error; the source is let go.
      this.ended = true;
      try {
        await this.source.return?.();
      } catch {
        // already ended
      }
      return { value: failure(this.mask, err), done: false };
    }
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.ended = true;
    await this.source.return?.();
    return DONE;
  }

  async throw(err?: unknown): Promise<IteratorResult<ExecutionResult>> {
    this.ended = true;
    await this.source.return?.();
    throw err;
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}
