import 'reflect-metadata';
import { pseudonymRekey } from './rekey';

/** Composition root of `npm run pseudonyms:rekey` (exit 0: re-keyed or nothing to do, 2: could not). */
pseudonymRekey(process.env, (line) => process.stdout.write(`${line}\n`)).then(
  (status) => {
    process.exitCode = status;
  },
  (e: Error) => {
    process.stderr.write(`pseudonyms:rekey: ${e.message}\n`);
    process.exitCode = 2;
  },
);
