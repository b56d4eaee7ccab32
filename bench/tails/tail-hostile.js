// A streaming tail that throws and rejects with hostile values: a revoked proxy, an error whose
// getters throw, a string of one million characters.
const revoked = () => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};
const trap = () => {
  const error = new Error("x");
  for (const key of ["name", "message", "stack"])
    Object.defineProperty(error, key, {
      get() {
        throw revoked();
      },
    });
  return error;
};
let n = 0;
export default {
  tailStream() {
    n++;
    if (n % 3 === 0) throw trap();
    return async (event) => {
      if (event.event.type === "spanClose") throw n % 3 === 1 ? revoked() : "x".repeat(1000000);
    };
  },
};
