export const sharedTest = {
  include: ["test/**/*.test.ts"],
  restoreMocks: true,
};
