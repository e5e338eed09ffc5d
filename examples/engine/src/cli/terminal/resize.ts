/** Sends a terminal size to the daemon: `POST /containers/{id}/resize` or `/exec/{id}/resize`. */
export type ResizeRequest = (height: number, width: number) => Promise<unknown>;

/**
 * Keeps the container's TTY the size of ours: once now, then on every SIGWINCH. Answers how to stop.
 * Failures are ignored: a container that has just exited cannot be resized, and that is fine.
 */
export function forwardResizes(out: NodeJS.WriteStream, resize: ResizeRequest): () => void {
  if (!out.isTTY) return () => undefined;
  const send = () => {
    const [width, height] = out.getWindowSize();
    if (width > 0 && height > 0) resize(height, width).catch(() => undefined);
  };
  send();
  process.on('SIGWINCH', send);
  return () => process.off('SIGWINCH', send);
}
