// The "backend" service of `bench:serve`, reached through main's service binding: the price of
// item n is n * 7 mod 1000 (bench/serve/load.mjs checks every body against it).
export default {
  fetch(request) {
    const n = Number(new URL(request.url).searchParams.get("n"));
    return new Response(String((n * 7) % 1000));
  },
};
