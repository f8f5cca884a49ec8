export type DataFolderErrorReason = 'not_found' | 'not_a_directory' | 'not_sillytavern';

/** Why a folder cannot be imported as a SillyTavern user folder. */
export class DataFolderError extends Error {
  override readonly name = 'DataFolderError';
  readonly reason: DataFolderErrorReason;

  constructor(reason: DataFolderErrorReason, message: string) {
    super(message);
    this.reason = reason;
  }
}
