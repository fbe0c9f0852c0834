import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {ignores: ['**/dist/**', '**/node_modules/**', 'test/fixtures/**/dist/**', 'tmp/**']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {globals: {process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly'}},
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Quoting for systemd and shells has to match control characters on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    // Plugins, built-in or third-party, see niso only through the public SDK.
    files: ['plugins/**/*.ts', 'test/fixtures/plugins/**/*.{ts,js}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'niso',
                'niso/*',
                '**/src/**',
                '../../src/*',
                '@niso/plugin-sdk/src/*',
                '@niso/plugin-sdk/dist/*',
              ],
              message: 'plugins import only @niso/plugin-sdk',
            },
            {
              group: ['@niso/plugin-*', '!@niso/plugin-sdk', '!@niso/plugin-sdk/testing'],
              message: 'plugins import only @niso/plugin-sdk',
            },
          ],
        },
      ],
    },
  },
)
