/** A command line the doctor does not understand (exit code 2). */
export class DoctorUsageError extends Error {
  readonly code = 'DOCTOR_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'DoctorUsageError';
  }
}

/** Checks whose needs name a check that is not in the list, or go round in a circle (a bug in the doctor). */
export class CheckOrderError extends Error {
  readonly code = 'DOCTOR_CHECK_ORDER';
  constructor(message: string) {
    super(message);
    this.name = 'CheckOrderError';
  }
}
