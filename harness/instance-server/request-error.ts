/**
 * A request the instance server refuses: the HTTP status to answer with and a message naming
 * what was wrong (sent as {"error": message}).
 */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}
