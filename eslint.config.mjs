import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: ['node_modules/', '.serverless/', '.esbuild/', '.build/', '.local/', 'bench/out/', 'coverage/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'describe', property: 'only', message: 'Focused tests must not be committed.' },
        { object: 'it', property: 'only', message: 'Focused tests must not be committed.' },
        { object: 'test', property: 'only', message: 'Focused tests must not be committed.' },
        { object: 'describe', property: 'skip', message: 'Skipped tests must not be committed.' },
        { object: 'it', property: 'skip', message: 'Skipped tests must not be committed.' },
        { object: 'test', property: 'skip', message: 'Skipped tests must not be committed.' },
      ],
    },
  },
  {
    files: ['lib/**/*.ts'],
    ignores: ['lib/shared/config.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Only lib/shared/config.ts reads process.env.' },
      ],
    },
  },
  {
    // AWS SDK values (clients, commands) only in adapter files, named for what they adapt, so a reader can
    // tell the domain from the I/O; everything else takes its adapters in and may import SDK types only.
    files: ['functions/**/*.ts', 'lib/**/*.ts', 'client/**/*.ts', 'cli/**/*.ts'],
    ignores: [
      '**/*-repository.ts',
      '**/*-queue.ts',
      '**/*-client.ts',
      '**/*-clients.ts',
      '**/*-sender.ts',
      '**/*-starter.ts',
      '**/*-callbacks.ts',
      '**/*-recorder.ts',
      '**/*-reader.ts',
      'cli/adapters/**',
    ],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@aws-sdk/*'],
              allowTypeImports: true,
              message:
                'Only adapter files (*-repository, *-queue, *-client(s), *-sender, *-starter, *-callbacks, *-recorder, *-reader, cli/adapters/) import AWS SDK values; take the adapter in as a dependency.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
      },
    },
  },
  prettier,
);
