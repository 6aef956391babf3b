// The size limit of GraphQL request bodies, in place of Yoga's own (maxRequestBodySize).
//
// Yoga's limit pipes every request body through a TransformStream and builds a second Request
// around it, on every request: with the abort signal that stream pipeline makes and aborts, about a
// tenth of the CPU of a small query. A body sent with a valid Content-Length cannot be longer than
// that header says (Node's HTTP parser ends the body there, and refuses a request that carries
// both Content-Length and Transfer-Encoding), so the header is checked alone; only a body without
// one (chunked) is counted as it is read. Requests the REST layer makes in process carry bodies it
// has already limited, and are not counted again. Refusals are Yoga's: 413
// REQUEST_ENTITY_TOO_LARGE, and 400 BAD_REQUEST for a malformed Content-Length.
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const tooLarge = () => new GraphQLError('Request body too large', { extensions: { http: { status: 413 }, code: 'REQUEST_ENTITY_TOO_LARGE' } });

const CONTENT_LENGTH = /^\d+$/;

export function useBodyLimit(limit: number, trusted: (request: Request) => boolean): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const length = request.headers.get('content-length');
      if (length !== null) {
        if (!CONTENT_LENGTH.test(length)) {
          throw new GraphQLError('Content-Length header is invalid.', { extensions: { http: { status: 400 }, code: 'BAD_REQUEST' } });
        }
        if (Number(length) > limit) throw tooLarge();
        return;
      }
      if (!requestParser || !request.body || trusted(request)) return;
      // No length given: count the bytes as the parser reads them.
      const parse = requestParser;
      setRequestParser((req) => {
        let read = 0;
        const Transform = req.body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream;
        const body = req.body!.pipeThrough(
          new Transform({
            transform(chunk: Uint8Array, controller) {
              read += chunk.byteLength;
              if (read > limit) controller.error(tooLarge());
              else controller.enqueue(chunk);
            },
          }),
        );
        return parse(new fetchAPI.Request(req.url, { method: req.method, headers: req.headers, signal: req.signal, body, duplex: 'half' } as RequestInit));
      });
    },
  };
}
