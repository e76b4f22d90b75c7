import { renderGrid } from './dist/report/grid.js';
const head = ['encap', 'outer', 'vni', 'inner', 'proto/ports', 'packets', 'bytes'];
const al = ['left', 'left', 'right', 'left', 'left', 'right', 'right'];
const n = 100000; const rows = [];
for (let i=0;i<n;i++) rows.push(['vxlan', `10.0.${i>>8&255}.${i&255} -> 10.0.1.204`, 4096, `10.200.${i>>8&255}.${i&255} -> 10.200.255.10`, `tcp ${i%65536} -> 8080`, i%1000, i*7]);
for (let k=0;k<5;k++){ const t0=performance.now(); renderGrid(head, al, rows, false); console.log((performance.now()-t0).toFixed(0)); }
