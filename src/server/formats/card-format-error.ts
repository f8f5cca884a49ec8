/** Why a card file was refused; the route layer answers each with 422 `invalid_card` and this reason. */
export type CardErrorReason =
  | 'not_png'
  | 'truncated_png'
  | 'malformed_png'
  | 'bad_crc'
  | 'no_card_chunk'
  | 'invalid_base64'
  | 'invalid_utf8'
  | 'invalid_json'
  | 'not_a_card'
  | 'missing_name'
  | 'invalid_field'
  | 'field_too_large'
  | 'card_too_large'
  | 'too_deep'
  | 'nul_character';

export class CardFormatError extends Error {
  override readonly name = 'CardFormatError';
  readonly reason: CardErrorReason;

  constructor(reason: CardErrorReason, message: string) {
    super(message);
    this.reason = reason;
  }
}
