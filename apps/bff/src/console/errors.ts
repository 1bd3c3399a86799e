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
export class ConsoleChargeNotFoundError extends AppError {
  constructor() {
    super('CONSOLE_CHARGE_NOT_FOUND', 'No such charge');
  }
}
export class ConsoleChargeNotRetryableError extends AppError {
  constructor(why: string) {
    super('CONSOLE_CHARGE_NOT_RETRYABLE', `This period cannot be retried: ${why}`);
  }
}
export class ConsoleChargeNotCancellableError extends AppError {
  constructor(why: string) {
    super('CONSOLE_CHARGE_NOT_CANCELLABLE', `This period cannot be cancelled: ${why}`);
  }
}
export class ConsoleSandboxOnlyError extends AppError {
  constructor() {
    super('CONSOLE_SANDBOX_ONLY', 'Running the billing cycle as of a date exists in sandbox mode only');
  }
}
export class ConsoleClockBackwardsError extends AppError {
  constructor(today: string) {
    super('CONSOLE_CLOCK_BACKWARDS', `The billing clock only moves forward (today is ${today})`);
  }
}
