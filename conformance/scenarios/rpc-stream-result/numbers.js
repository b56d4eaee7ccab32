// The byte stream both services of rpc-stream-result return: pull-based (highWaterMark 0), one
// chunk per pull, each pull logged with the stream's label.
export function numbers(label, n) {
  let i = 0;
  const encoder = new TextEncoder();
  return new ReadableStream(
    {
      pull(controller) {
        i += 1;
        console.log(label, 'pull', i);
        if (i > n) controller.close();
        else controller.enqueue(encoder.encode(`${label}-${i};`));
      },
    },
    { highWaterMark: 0 },
  );
}
