// rahat's status page. Two sources:
//  - /status.json (package status): networks, reorgs, throughput and the latest events; polled every
//    second while the websocket is down, every five seconds while it is up;
//  - GraphQL subscriptions on /graphql over a websocket (graphql-transport-ws): one per event list
//    (found by introspection, with mode ROWS: only new rows), newBlocks and reorgs.
// Everything shown is written with textContent, never parsed as HTML.
'use strict';
(() => {
  const MAX_EVENTS = 20;
  const POLL_LIVE = 5000, POLL_FALLBACK = 1000;
  const MIN_BACKOFF = 500, MAX_BACKOFF = 15000;
  const EVENT_FIELDS = ['id', 'eventType', 'blockNumber', 'blockTimestamp', 'transactionHash', 'contractAddress'];

  const $ = (id) => document.getElementById(id);
  const state = {
    networks: [], graphqlChain: null,
    events: [],           // newest first: {key, block, log, ts, name, contract, tx}
    rows: new Map(),      // key -> <tr>
    live: false, eventSubs: 0, refused: 0,
    reorgKey: null,       // the newest reorg of the last snapshot
  };

  // ---- formatting
  const text = (tag, s, cls) => { const e = document.createElement(tag); e.textContent = s ?? '–'; if (cls) e.className = cls; return e; };
  const short = (h) => (h && h.length > 14 ? h.slice(0, 8) + '…' + h.slice(-4) : h || '–');
  const ago = (unix) => {
    if (!unix) return '–';
    const s = Math.max(0, Math.round(Date.now() / 1000 - unix));
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    if (s < 86400) return Math.floor(s / 3600) + ' h ago';
    return new Date(unix * 1000).toISOString().slice(0, 16).replace('T', ' ');
  };
  const emptyRow = (body, s, cols) => {
    const tr = document.createElement('tr');
    tr.className = 'empty';
    tr.append(Object.assign(text('td', s), { colSpan: cols }));
    body.append(tr);
  };
  const timeCell = (unix) => { const td = text('td', ago(unix)); td.dataset.ts = unix || ''; td.title = unix ? new Date(unix * 1000).toISOString() : ''; return td; };
  // logIndexOf reads the log index from an event id: the transaction hash then 4 little-endian bytes.
  const logIndexOf = (id) => { const h = id.slice(-8); return parseInt(h.slice(6, 8) + h.slice(4, 6) + h.slice(2, 4) + h.slice(0, 2), 16); };
  const le32 = (n) => [0, 8, 16, 24].map((s) => ((n >>> s) & 255).toString(16).padStart(2, '0')).join('');

  function setMode(mode) {
    document.documentElement.dataset.live = mode;
    $('conn').textContent = { ws: 'live (GraphQL subscription)', polling: 'polling /status.json', connecting: 'connecting…' }[mode];
  }

  // ---- networks
  function renderNetworks() {
    const body = $('networks').tBodies[0];
    body.replaceChildren();
    if (state.networks.length === 0) return emptyRow(body, 'no chain indexed yet', 9);
    for (const n of state.networks) {
      const tr = document.createElement('tr');
      tr.id = 'net-' + n.chain_id;
      const indexed = text('td', String(n.indexed_block), 'num mono');
      indexed.id = 'indexed-' + n.chain_id;
      const lag = text('td', n.head_block == null ? '–' : String(n.lag), 'num ' + (n.lag > 64 ? 'bad' : n.lag > 2 ? 'warn' : 'ok'));
      lag.id = 'lag-' + n.chain_id;
      const rate = n.events_per_second == null ? '–' : n.events_per_second.toFixed(n.events_per_second < 10 ? 2 : 0);
      const rateCell = text('td', rate, 'num');
      rateCell.id = 'rate-' + n.chain_id;
      rateCell.title = n.events_per_second == null ? 'this server is not listening for commits' : 'over the last ' + Math.round(n.throughput_seconds) + ' s';
      const st = n.has_errors ? text('td', 'indexing errors', 'bad') : n.deep_reorg ? text('td', 'deep reorg seen', 'bad') : text('td', 'ok', 'ok');
      const updated = text('td', ago(Date.parse(n.updated_at) / 1000));
      updated.dataset.ts = Date.parse(n.updated_at) / 1000;
      tr.append(text('td', n.name), text('td', String(n.chain_id), 'mono'), indexed,
        text('td', n.head_block == null ? '–' : String(n.head_block), 'num mono'), lag,
        text('td', n.finalized_block == null ? '–' : String(n.finalized_block), 'num mono'), rateCell, st, updated);
      body.append(tr);
    }
  }

  // onBlock moves the served chain's checkpoint as newBlocks announces it, between polls.
  function onBlock(chainId, number) {
    const id = chainId ?? state.graphqlChain;
    const n = state.networks.find((x) => x.chain_id === id) ?? (state.networks.length === 1 ? state.networks[0] : null);
    if (!n || number <= n.indexed_block) return;
    n.indexed_block = number;
    if (n.head_block != null) { n.head_block = Math.max(n.head_block, number); n.lag = n.head_block - number; }
    n.updated_at = new Date().toISOString();
    renderNetworks();
  }

  // ---- events
  // addEvent shows ev in order, unless it is shown already or too old. via says where it came
  // from ('graphql' or 'json'); fresh rows (new while the page is open) are highlighted.
  function addEvent(ev, via, fresh) {
    if (state.rows.has(ev.key)) return;
    let i = 0;
    while (i < state.events.length && (state.events[i].block > ev.block || (state.events[i].block === ev.block && state.events[i].log > ev.log))) i++;
    if (i >= MAX_EVENTS) return;
    const body = $('events').tBodies[0];
    body.querySelector('tr.empty')?.remove();
    const tr = document.createElement('tr');
    tr.dataset.tx = ev.tx;
    tr.dataset.block = ev.block;
    tr.dataset.key = ev.key;
    tr.dataset.via = via;
    if (fresh) tr.className = 'fresh';
    tr.append(timeCell(ev.ts), text('td', ev.name), text('td', String(ev.block), 'num mono'),
      Object.assign(text('td', short(ev.contract), 'mono'), { title: ev.contract }),
      Object.assign(text('td', short(ev.tx), 'mono'), { title: ev.tx }));
    body.insertBefore(tr, state.events[i] ? state.rows.get(state.events[i].key) : null);
    state.events.splice(i, 0, ev);
    state.rows.set(ev.key, tr);
    while (state.events.length > MAX_EVENTS) dropEvent(state.events.length - 1);
  }

  function dropEvent(i) {
    const ev = state.events.splice(i, 1)[0];
    state.rows.get(ev.key)?.remove();
    state.rows.delete(ev.key);
  }

  // undoAbove removes the events a reorg rolled back; the new branch's events stream in after it.
  function undoAbove(ancestor) {
    for (let i = state.events.length - 1; i >= 0; i--) if (state.events[i].block > ancestor) dropEvent(i);
  }

  const fromJSON = (e) => ({ key: (e.tx_hash + le32(e.log_index)).toLowerCase(), block: e.block_number, log: e.log_index,
    ts: e.block_timestamp, name: e.event, contract: e.contract, tx: e.tx_hash });
  const fromGraphQL = (r) => ({ key: r.id.toLowerCase(), block: Number(r.blockNumber), log: logIndexOf(r.id),
    ts: Number(r.blockTimestamp), name: r.eventType, contract: r.contractAddress, tx: r.transactionHash });

  // ---- reorgs
  function renderReorgs(reorgs) {
    const body = $('reorgs').tBodies[0];
    body.replaceChildren();
    if (reorgs.length === 0) emptyRow(body, 'no reorgs', 6);
    for (const g of reorgs) {
      const tr = document.createElement('tr');
      const ts = Date.parse(g.detected_at) / 1000;
      tr.append(timeCell(ts), text('td', String(g.chain_id), 'mono'), text('td', String(g.depth), 'num ' + (g.deep ? 'bad' : '')),
        text('td', String(g.ancestor), 'num mono'),
        Object.assign(text('td', g.old_head + ' ' + short(g.old_hash), 'mono'), { title: g.old_hash }),
        Object.assign(text('td', g.new_head + ' ' + short(g.new_hash), 'mono'), { title: g.new_hash }));
      body.append(tr);
    }
  }

  // ---- /status.json
  let pollTimer = null;
  async function poll() {
    clearTimeout(pollTimer);
    try {
      const r = await fetch('/status.json', { cache: 'no-store' });
      if (!r.ok) throw new Error((await r.text()).trim() || r.statusText);
      const s = await r.json();
      state.networks = s.networks;
      state.graphqlChain = s.graphql_chain_id ?? null;
      renderNetworks();
      renderReorgs(s.reorgs);
      // A reorg since the last poll undid the events above its ancestor (without the reorgs
      // subscription, nothing else says so); the new branch's come back with this snapshot.
      const g = s.reorgs[0];
      const reorgKey = g ? g.chain_id + ':' + g.detected_at + ':' + g.new_hash : '';
      if (state.reorgKey != null && g && reorgKey !== state.reorgKey) undoAbove(g.ancestor);
      state.reorgKey = reorgKey;
      for (const e of s.events) addEvent(fromJSON(e), 'json', false);
      $('version').textContent = 'rahat ' + s.version;
      $('updated').textContent = 'updated ' + new Date(s.time).toLocaleTimeString();
    } catch (err) {
      $('updated').textContent = 'status unavailable: ' + err.message;
    }
    // While every event list streams, polling only refreshes lag, throughput and reorgs.
    pollTimer = setTimeout(poll, state.live && state.eventSubs > 0 && state.refused === 0 ? POLL_LIVE : POLL_FALLBACK);
  }

  // ---- GraphQL subscriptions
  async function graphql(query) {
    const r = await fetch('/graphql', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ query }) });
    const j = await r.json();
    if (!j.data) throw new Error(j.errors?.[0]?.message ?? 'no data');
    return j.data;
  }

  const named = (t) => { while (t && !t.name) t = t.ofType; return t?.name; };
  const isScalar = (t) => { while (t && t.kind === 'NON_NULL') t = t.ofType; return t?.kind === 'SCALAR' || t?.kind === 'ENUM'; };
  const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name } } }';

  // plan asks the schema which subscriptions to open: every list of events (types with the fields
  // EVENT_FIELDS), newBlocks and reorgs, each with the scalar fields it has.
  async function plan() {
    const d = await graphql(`{ __schema { subscriptionType { fields { name args { name type { ${TYPE_REF} } } type { ${TYPE_REF} } } } } }`);
    const fields = d.__schema.subscriptionType?.fields ?? [];
    if (fields.length === 0) return [];
    const typeNames = [...new Set(fields.flatMap((f) => [named(f.type), ...f.args.filter((a) => a.name === 'mode').map((a) => named(a.type))]))];
    const q = typeNames.map((n, i) => `t${i}: __type(name: ${JSON.stringify(n)}) { name kind fields { name type { ${TYPE_REF} } } enumValues { name } }`).join('\n');
    const types = Object.fromEntries(Object.values(await graphql(`{ ${q} }`)).filter(Boolean).map((t) => [t.name, t]));
    const subs = [];
    for (const f of fields) {
      const t = types[named(f.type)];
      const have = new Set((t?.fields ?? []).map((x) => x.name));
      const args = new Set(f.args.map((a) => a.name));
      if (EVENT_FIELDS.every((x) => have.has(x)) && f.type.kind !== 'OBJECT') {
        const a = [];
        if (args.has('first')) a.push('first: 10');
        if (args.has('orderBy')) a.push('orderBy: blockNumber');
        if (args.has('orderDirection')) a.push('orderDirection: desc');
        const modeArg = f.args.find((x) => x.name === 'mode');
        const rows = modeArg && types[named(modeArg.type)]?.enumValues?.find((v) => /^rows$/i.test(v.name));
        if (rows) a.push('mode: ' + rows.name);
        subs.push({ kind: 'events', field: f.name, query: `subscription { ${f.name}${a.length ? '(' + a.join(', ') + ')' : ''} { ${EVENT_FIELDS.join(' ')} } }` });
      } else if (f.name === 'newBlocks' || f.name === 'reorgs') {
        const sel = (t?.fields ?? []).filter((x) => isScalar(x.type)).map((x) => x.name);
        if (sel.length) subs.push({ kind: f.name, field: f.name, query: `subscription { ${f.name} { ${sel.join(' ')} } }` });
      }
    }
    // newBlocks and reorgs first: if the server caps subscriptions per connection, they matter most.
    return subs.sort((x, y) => (x.kind === 'events') - (y.kind === 'events'));
  }

  let planned = null;  // the subscriptions, asked for once
  let backoff = MIN_BACKOFF;

  async function connect() {
    try {
      planned ??= await plan();
    } catch (err) {
      console.warn('status: cannot read the GraphQL schema', err);
      return retry();
    }
    if (planned.length === 0) { setMode('polling'); return; } // a server without subscriptions
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql';
    let ws;
    try { ws = new WebSocket(url, 'graphql-transport-ws'); } catch (err) { return retry(); }
    const handlers = new Map();
    const ackTimeout = setTimeout(() => ws.close(), 10000);
    ws.onopen = () => {
      if (ws.protocol !== 'graphql-transport-ws') { ws.close(); return; }
      ws.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    };
    ws.onmessage = (m) => {
      let msg;
      try { msg = JSON.parse(m.data); } catch { return; }
      switch (msg.type) {
        case 'connection_ack': {
          clearTimeout(ackTimeout);
          backoff = MIN_BACKOFF;
          let id = 0;
          for (const s of planned) {
            const key = String(++id);
            handlers.set(key, { sub: s, first: true });
            ws.send(JSON.stringify({ id: key, type: 'subscribe', payload: { query: s.query } }));
          }
          state.live = true;
          state.eventSubs = planned.filter((s) => s.kind === 'events').length;
          document.documentElement.dataset.subs = state.eventSubs;
          setMode('ws');
          $('events-note').textContent = state.eventSubs ? '(streaming from ' + state.eventSubs + ' subscriptions)' : '';
          break;
        }
        case 'ping': ws.send(JSON.stringify({ type: 'pong' })); break;
        case 'next': onNext(handlers.get(msg.id), msg.payload); break;
        case 'error': {
          // Refused (a server's limit of subscriptions per connection, say): that list is then
          // kept up to date by polling.
          const h = handlers.get(msg.id);
          console.warn('status: subscription refused', h?.sub.field, JSON.stringify(msg.payload));
          if (h?.sub.kind === 'events') state.refused++;
          handlers.delete(msg.id);
          break;
        }
        case 'complete': handlers.delete(msg.id); break;
      }
    };
    ws.onclose = () => {
      clearTimeout(ackTimeout);
      const was = state.live;
      state.live = false;
      state.eventSubs = 0;
      state.refused = 0;
      document.documentElement.dataset.subs = 0;
      $('events-note').textContent = '';
      setMode('polling');
      if (was) poll();
      retry();
    };
  }

  function onNext(h, payload) {
    if (!h) return;
    const rows = payload?.data?.[h.sub.field];
    if (rows == null) return;
    if (h.sub.kind === 'events') {
      for (const r of rows) addEvent(fromGraphQL(r), 'graphql', !h.first);
    } else if (h.sub.kind === 'newBlocks') {
      for (const b of [rows].flat()) if (b.number != null) onBlock(b.chainId == null ? null : Number(b.chainId), Number(b.number));
    } else if (h.sub.kind === 'reorgs') {
      for (const g of [rows].flat()) {
        const a = g.ancestor ?? g.commonAncestor;
        if (a != null) undoAbove(Number(a));
      }
      poll();
    }
    h.first = false;
  }

  function retry() {
    if (!state.live && document.documentElement.dataset.live === 'connecting') setMode('polling');
    const wait = backoff * (0.5 + Math.random());
    backoff = Math.min(backoff * 2, MAX_BACKOFF);
    setTimeout(connect, wait);
  }

  // ---- start
  setInterval(() => { for (const td of document.querySelectorAll('td[data-ts]')) td.textContent = ago(Number(td.dataset.ts)); }, 1000);
  fetch('/v1/openapi.json', { method: 'HEAD' }).then((r) => {
    if (r.status === 404) { const a = $('openapi'); a.className = 'off'; a.title = 'the REST API is off on this server'; }
  }).catch(() => {});
  poll();
  connect();
})();
