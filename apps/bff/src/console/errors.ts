import { AppError } from '../errors.ts';

/** The console's own errors: codes in the @qianyue/api catalogue, answered by the one error handler. */
export class ConsoleUnauthenticatedError extends AppError {
  constructor() {
    super('CONSOLE_UNAUTHENTICATED', 'An admin token is required (Authorization: Bearer <token>)');
  }
}
export class ConsoleTokenInvalidError extends AppError {
  constructor() {
    super('CONSOLE_TOKEN_INVALID', 'The admin token is not valid');
  }
}
