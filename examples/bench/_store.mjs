import { SqliteStore, contentHash } from '@mega-crm/core';
import { rmSync } from 'node:fs';
const N = 20000;
const ents = ['client','spouse','contract','occurrence'];
const staged = Array.from({length:N},(_,i)=>{ const payload={key:`1-1-${i}`,name:'Conceição Araújo da Silva '+i,document:'12345678909',emails:['a@b.com.br'],phones:['11987654321'],address:{street:'Rua das Flores',number:String(i),city:'São Paulo',state:'SP',zip:'01234-567'},birth:'1980-01-01'}; return {entity:ents[i%4],key:payload.key,payload,hash:contentHash(payload)}; });
for (let round=0; round<3; round++) {
  rmSync('/tmp/prof/sb.db',{force:true}); rmSync('/tmp/prof/sb.db-wal',{force:true}); rmSync('/tmp/prof/sb.db-shm',{force:true});
  const store = new SqliteStore({ path: '/tmp/prof/sb.db' });
  const c0=process.cpuUsage();
  for (let i=0;i<N;i+=500) await store.capture({sourceId:'b',cursor:String(i),records:staged.slice(i,i+500),invalid:[]});
  const c1=process.cpuUsage(c0);
  let claimed=0; const c2=process.cpuUsage(); let claimUs=0, compUs=0;
  for(;;){ const a=process.cpuUsage(); const items=await store.claim(500,'r',60000); const b=process.cpuUsage(a); claimUs+=b.user+b.system; if(!items.length)break; claimed+=items.length;
    for (let j=0;j<items.length;j+=64){ const x=process.cpuUsage(); await store.completeMany(items.slice(j,j+64).map(it=>[it,{crmId:'1'}])); const y=process.cpuUsage(x); compUs+=y.user+y.system; } }
  console.log(`capture ${((c1.user+c1.system)/N).toFixed(1)} claim ${(claimUs/N).toFixed(1)} complete ${(compUs/N).toFixed(1)} µs/record (${claimed})`);
  await store.close();
}
