/**
 * Puts the local terminal in raw mode (keys go to the container as typed: ^C, arrows, no echo) and
 * answers how to put it back. Restoring is idempotent, and also happens if we exit abruptly.
 */
export function enterRawMode(stdin: NodeJS.ReadStream): () => void {
  if (!stdin.isTTY) return () => undefined;
  const wasRaw = stdin.isRaw;
  stdin.setRawMode(true);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    process.off('exit', restore);
    if (stdin.isTTY) stdin.setRawMode(wasRaw);
  };
  process.on('exit', restore);
  return restore;
}
