// Errors of API calls, shared by the client and its response decoders.

/** Error codes the server sends, plus "network" when it cannot be reached. */
export type ErrorCode =
  | 'invalid'
  | 'conflict'
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'too_large'
  | 'too_many'
  | 'internal'
  | 'network';

/** One input the server refused, and why ("must be at least 1"). */
export interface FieldError {
  field: string;
  message: string;
}

/** A failed API call: a code for programs, a message for people. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** The inputs at fault, when the server named them (400 "invalid"). */
  readonly fields: FieldError[];

  constructor(code: ErrorCode, message: string, status: number, fields: FieldError[] = []) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.fields = fields;
  }
}
