import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors/api-error.js';
import { MAX_JSON_DEPTH, findTextProblem, jsonNestsDeeperThan } from '../formats/json-text.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * One JSON body parser for every route, so no route can store what it was not sent: bytes that are not UTF-8 and
 * text with a lone surrogate or a NUL are `invalid_text` (a database would store them changed, or refuse them), and
 * nesting past MAX_JSON_DEPTH is `too_deep` (checked on the text, before parsing). Fastify's own parser then parses,
 * with its guard against `__proto__` keys.
 */
export function registerJsonBodyParser(app: FastifyInstance) {
  const parse = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      done(new ApiError('invalid_text', 'The body is not valid UTF-8'), undefined);
      return;
    }
    if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) {
      done(new ApiError('too_deep', `The body nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels`), undefined);
      return;
    }
    parse(request, text, (error, value) => {
      if (error) return done(error, undefined);
      const problem = findTextProblem(value);
      if (problem === 'lone_surrogate') {
        return done(new ApiError('invalid_text', 'A text holds a lone UTF-16 surrogate (half of a character); send whole characters'), undefined);
      }
      if (problem === 'nul') return done(new ApiError('invalid_text', 'A text holds a NUL character (U+0000)'), undefined);
      done(null, value);
    });
  });
}
