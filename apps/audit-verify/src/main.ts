import 'reflect-metadata';
import { auditVerify } from './verify';

/** Composition root of `npm run audit:verify` (exit 0: the chain holds, 1: broken, 2: could not check). */
auditVerify(process.env, (line) => process.stdout.write(`${line}\n`)).then(
  (status) => {
    process.exitCode = status;
  },
  (e: Error) => {
    process.stderr.write(`audit:verify: ${e.message}\n`);
    process.exitCode = 2;
  },
);
