import { createInterface } from 'node:readline';

/** Docker's `Are you sure you want to continue? [y/N]`: only "y"/"yes" proceeds (end of input is no). */
export async function confirm(
  stdin: NodeJS.ReadStream,
  out: NodeJS.WriteStream,
  question: string,
): Promise<boolean> {
  out.write(`${question} [y/N] `);
  const rl = createInterface({ input: stdin, terminal: false });
  const answer = await new Promise<string>((resolve) => {
    rl.once('line', resolve);
    rl.once('close', () => resolve(''));
  });
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}
