/**
 * argon2id password hashes. The native module is loaded on first use: the server starts
 * without paying for it in single-user mode.
 */
type Argon2 = typeof import('@node-rs/argon2');
let argon2: Promise<Argon2> | undefined;
const load = () => (argon2 ??= import('@node-rs/argon2'));

// A real hash to verify against when the handle is unknown, so timing does not reveal which handles exist.
let decoyHash: Promise<string> | undefined;

export async function hashPassword(password: string): Promise<string> {
  const { hash } = await load();
  // The library's default algorithm is argon2id (RFC 9106's recommendation); it shows as "$argon2id$" in the hash.
  return hash(password);
}

export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  const { verify } = await load();
  if (hash === null) {
    decoyHash ??= hashPassword('decoy password');
    await verify(await decoyHash, password);
    return false;
  }
  try {
    return await verify(hash, password);
  } catch {
    return false;
  }
}
