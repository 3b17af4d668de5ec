/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
{%- if stack == 'nestjs' %}
  // Unit specs sit next to the providers they test (src/**/*.spec.ts); e2e tests live in tests/.
{%- endif %}
  roots: [{% if stack == 'nestjs' %}'<rootDir>/src', {% endif %}'<rootDir>/tests'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // The generated Prisma client imports './x.js' from TypeScript sources.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  globalSetup: '<rootDir>/tests/global-setup.ts',
  setupFiles: ['<rootDir>/tests/setup-env.ts'],
  // One worker: the tests share one database and reset it between files.
  maxWorkers: 1,
  collectCoverageFrom: ['src/**/*.ts', '!src/generated/**', '!src/server.ts', '!src/boot.ts'{% if stack == 'nestjs' %}, '!src/**/*.spec.ts'{% endif %}],
  coverageReporters: ['text-summary', 'lcov'],
  coverageThreshold: { global: { lines: 80, statements: 80, functions: 80, branches: 70 } },
};
