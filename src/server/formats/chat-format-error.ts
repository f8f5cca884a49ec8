/** Why a chat file was refused as a whole; the route layer answers with 422 `invalid_chat` and this reason. */
export type ChatErrorReason = 'empty_file' | 'invalid_header' | 'not_a_chat';

export class ChatFormatError extends Error {
  override readonly name = 'ChatFormatError';
  readonly reason: ChatErrorReason;

  constructor(reason: ChatErrorReason, message: string) {
    super(message);
    this.reason = reason;
  }
}
