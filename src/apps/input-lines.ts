import { createInterface } from 'node:readline';

/**
 * The textbook clients' loop: prompt, read a sentence, hand it on. On a terminal the prompt is
 * shown; otherwise each line of stdin is one sentence. Ends at end of input.
 */
export async function forEachInputLine(
  prompt: string,
  handle: (line: string) => Promise<void>,
): Promise<void> {
  const tty = process.stdin.isTTY === true;
  const rl = createInterface({
    input: process.stdin,
    output: tty ? process.stdout : undefined,
    terminal: tty,
  });
  if (tty) {
    rl.setPrompt(prompt);
    rl.prompt();
  }
  for await (const line of rl) {
    await handle(line);
    if (tty) rl.prompt();
  }
  rl.close();
}
