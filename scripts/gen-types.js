#!/usr/bin/env node
// Generates libs/contracts/src/generated/*.ts from contracts/schemas: the schemas are the
// single source of truth. `--check` exits 1 when the committed types are stale.
const fs = require('fs');
const path = require('path');
const { compile, compileFromFile } = require('json-schema-to-typescript');

const schemaDir = path.join(__dirname, '..', 'contracts', 'schemas');
const outDir = path.join(__dirname, '..', 'libs', 'contracts', 'src', 'generated');

async function generate() {
  const files = fs
    .readdirSync(schemaDir)
    .filter((f) => f.endsWith('.schema.json'))
    .sort();
  const out = {};
  for (const file of files) {
    const options = {
      cwd: schemaDir,
      bannerComment: `/* Generated from contracts/schemas/${file} by scripts/gen-types.js. Do not edit. */`,
      additionalProperties: false,
      declareExternallyReferenced: true,
      style: { singleQuote: true },
    };
    const ts = file.startsWith('common.')
      ? await compile(exposeDefs(JSON.parse(fs.readFileSync(path.join(schemaDir, file), 'utf8'))), 'Common', {
          ...options,
          declareExternallyReferenced: true,
        })
      : await compileFromFile(path.join(schemaDir, file), options);
    out[file.replace('.schema.json', '.ts')] = ts;
  }
  return addImports(out);
}

// A definitions-only schema emits nothing; reference every $def so each gets its named type.
function exposeDefs(schema) {
  const properties = Object.fromEntries(Object.keys(schema.$defs).map((k) => [k, { $ref: `#/$defs/${k}` }]));
  return { ...schema, type: 'object', properties };
}

// Splits generated TS into top-level declarations (each with its leading JSDoc).
function declarations(ts) {
  const lines = ts.split('\n');
  const chunks = [];
  let current = [];
  let pendingComment = false;
  for (const line of lines) {
    const startsComment = line.startsWith('/**');
    const startsExport = line.startsWith('export ');
    if ((startsComment || (startsExport && !pendingComment)) && current.length) {
      chunks.push(current.join('\n'));
      current = [];
    }
    if (startsComment) pendingComment = true;
    if (startsExport) pendingComment = false;
    current.push(line);
  }
  if (current.length) chunks.push(current.join('\n'));
  return chunks;
}

const declaredName = (chunk) => /^export (?:interface|type) (\w+)/m.exec(chunk)?.[1];

// Types referenced across schema files are declared once, in the file of their schema
// (common.v1 owns its $defs; every other file its own), and imported where used.
function addImports(out) {
  const exported = {};
  const commonFile = Object.keys(out).find((f) => f.startsWith('common.'));
  const owner = (type, file) => (exported[type] && exported[type] !== file ? exported[type] : file);
  if (commonFile) for (const m of out[commonFile].matchAll(/^export (?:interface|type) (\w+)/gm)) exported[m[1]] = commonFile;
  for (const [name, ts] of Object.entries(out)) {
    if (name === commonFile) continue;
    const kept = declarations(ts).filter((chunk) => {
      const declared = declaredName(chunk);
      return !declared || owner(declared, name) === name;
    });
    out[name] = kept.join('\n').replace(/\n*$/, '\n');
    for (const m of out[name].matchAll(/^export (?:interface|type) (\w+)/gm)) exported[m[1]] ??= name;
  }
  for (const [name, ts] of Object.entries(out)) {
    const own = new Set([...ts.matchAll(/^export (?:interface|type) (\w+)/gm)].map((m) => m[1]));
    const byFile = {};
    for (const [type, file] of Object.entries(exported)) {
      if (file === name || own.has(type)) continue;
      if (new RegExp(`:\\s*${type}\\b|\\b${type}\\[\\]|<${type}>|\\| ${type}\\b`).test(ts)) (byFile[file] ??= []).push(type);
    }
    const imports = Object.entries(byFile)
      .map(([file, types]) => `import type { ${types.sort().join(', ')} } from './${file.replace('.ts', '')}';`)
      .join('\n');
    if (imports) out[name] = ts.replace(/(\*\/\n)/, `$1\n${imports}\n`);
  }
  return out;
}

async function main() {
  const check = process.argv.includes('--check');
  const out = await generate();
  let stale = [];
  for (const [name, ts] of Object.entries(out)) {
    const target = path.join(outDir, name);
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null;
    if (current !== ts) {
      stale.push(name);
      if (!check) fs.writeFileSync(target, ts);
    }
  }
  if (check && stale.length) {
    console.error(`Generated contract types are stale: ${stale.join(', ')}. Run npm run gen:types.`);
    process.exit(1);
  }
}

module.exports = { generate };
if (require.main === module)
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
