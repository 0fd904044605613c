#!/usr/bin/env node
// build.mjs compiles contracts/src/*.sol with the solc-js pinned in package.json and writes one artifact per
// deployable contract: <out>/<Name>.json = {contractName, abi, bytecode, deployedBytecode}, pretty-printed
// with sorted keys, so that the same sources always give the same bytes.
//
//   node build.mjs [--out DIR] [--abigen DIR]
//
// --out     where the artifacts go (default: artifacts beside this script)
// --abigen  also write <Name>.abi and <Name>.bin there, the inputs build.sh hands to abigen
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(fs.readFileSync(path.join(here, 'package.json'), 'utf8'));
const solc = require('solc');

// The contracts that get artifacts and bindings; abstract bases (AdminControl) do not.
const CONTRACTS = ['RahatToken', 'RahatTreasury', 'RahatProjectFactory', 'RahatProject'];

function parseArgs(argv) {
  const opts = { out: path.join(here, 'artifacts'), abigen: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if ((a === '--out' || a === '--abigen') && i + 1 < argv.length) {
      opts[a.slice(2)] = path.resolve(argv[++i]);
    } else {
      throw new Error(`unknown argument ${a}; usage: node build.mjs [--out DIR] [--abigen DIR]`);
    }
  }
  return opts;
}

// sortKeys returns a copy of v whose objects have their keys in sorted order (arrays keep theirs).
function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  }
  return v;
}

function findImports(importPath) {
  // Only two roots exist: our sources (src/...) and npm packages (@openzeppelin/...).
  const candidates = importPath.startsWith('src/')
    ? [path.join(here, importPath)]
    : [path.join(here, 'node_modules', importPath)];
  for (const c of candidates) {
    if (fs.existsSync(c)) return { contents: fs.readFileSync(c, 'utf8') };
  }
  return { error: `import not found: ${importPath}` };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const want = pkg.devDependencies.solc;
  if (!solc.version().startsWith(`${want}+`)) {
    throw new Error(`solc-js ${solc.version()} is installed but package.json pins ${want}; run npm ci`);
  }

  const srcDir = path.join(here, 'src');
  const sources = {};
  for (const f of fs.readdirSync(srcDir).filter((f) => f.endsWith('.sol')).sort()) {
    sources[`src/${f}`] = { content: fs.readFileSync(path.join(srcDir, f), 'utf8') };
  }
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      // cancun: the newest fork that every chain Rahat deploys to supports.
      evmVersion: 'cancun',
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };

  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  let failed = false;
  for (const e of output.errors ?? []) {
    process.stderr.write(`${e.formattedMessage ?? e.message}\n`);
    if (e.severity === 'error') failed = true;
  }
  if (failed) throw new Error('compilation failed');

  fs.mkdirSync(opts.out, { recursive: true });
  if (opts.abigen) fs.mkdirSync(opts.abigen, { recursive: true });
  for (const name of CONTRACTS) {
    const c = output.contracts?.[`src/${name}.sol`]?.[name];
    if (!c) throw new Error(`no output for ${name}`);
    const artifact = {
      contractName: name,
      abi: sortKeys(c.abi),
      bytecode: `0x${c.evm.bytecode.object}`,
      deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
    };
    fs.writeFileSync(path.join(opts.out, `${name}.json`), `${JSON.stringify(artifact, null, 2)}\n`);
    if (opts.abigen) {
      fs.writeFileSync(path.join(opts.abigen, `${name}.abi`), JSON.stringify(c.abi));
      fs.writeFileSync(path.join(opts.abigen, `${name}.bin`), c.evm.bytecode.object);
    }
  }
  process.stderr.write(`compiled ${CONTRACTS.length} contracts with solc ${solc.version()}\n`);
}

try {
  main();
} catch (err) {
  process.stderr.write(`build.mjs: ${err.message}\n`);
  process.exit(1);
}
