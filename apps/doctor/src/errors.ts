/** A command line the doctor does not understand (exit code 2). */
export class DoctorUsageError extends Error {
  readonly code = 'DOCTOR_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'DoctorUsageError';
  }
}
