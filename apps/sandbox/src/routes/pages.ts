import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SandboxContext } from '../context.ts';
import { SandboxError, singleQuery } from '../errors.ts';
import { viewSession } from '../signing.ts';

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
/** JSON for an inline <script>: `<` escaped so no value can close the script element. */
const js = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

/** Only absolute http(s) URLs are followed after signing (never javascript: or relative tricks). */
function safeReturnUrl(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw === '') return null;
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : null;
  } catch {
    return null;
  }
}

const page = (title: string, body: string, script = '') => `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:420px;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.2rem}.banner{background:#fff3cd;padding:.5rem;border-radius:4px;font-size:.85rem}
dl{display:grid;grid-template-columns:auto 1fr;gap:.3rem 1rem}dt{color:#666}dd{margin:0;word-break:break-all}
button{font-size:1rem;padding:.6rem 1.2rem;margin:.5rem .5rem 0 0;border-radius:4px;border:1px solid #999}
#confirm{background:#07c160;color:#fff;border-color:#07c160}#result{margin-top:1rem;font-weight:600}</style>
</head><body><p class="banner">Qianyue sandbox — simulated WeChat page (TEST ONLY)</p>
${body}${script ? `<script>${script}</script>` : ''}</body></html>`;

function sendHtml(reply: FastifyReply, status: number, html: string) {
  return reply.code(status).header('content-type', 'text/html; charset=utf-8').send(html);
}

/**
 * GET /sign — plays WeChat's signing mini-program. Confirm/Cancel call the JSON control API, then return to
 * `return_url` with `sign_result=SUCCESS|CANCEL` appended (the H5 demo's way back).
 * GET /login — plays wx.login for the H5 demo: mints a code and returns to `return_url` with `code=`.
 */
export function pageRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  // GET / — what a person opening the sandbox wants to see: the contracts it holds and the notifications
  // it sent, read live from the JSON control API.
  app.get('/', async (_req, reply) =>
    sendHtml(
      reply,
      200,
      page(
        'Qianyue sandbox',
        `<h1>Qianyue sandbox WeChat Pay</h1>
<p>APIv3 at <code>/v3/…</code>, login at <code>/sns/jscode2session</code>, control API at
<a href="/__sandbox/contracts"><code>/__sandbox/…</code></a>.</p>
<h2>Contracts</h2><table id="contracts"><tr><td>loading…</td></tr></table>
<h2>Notification deliveries</h2><table id="deliveries"><tr><td>loading…</td></tr></table>`,
        `const cell=(v)=>{const td=document.createElement('td');td.textContent=v==null?'':String(v);return td};
function fill(id,rows,cols){const t=document.getElementById(id);t.textContent='';
const h=document.createElement('tr');cols.forEach(c=>{const th=document.createElement('th');th.textContent=c;h.appendChild(th)});t.appendChild(h);
if(!rows.length){const tr=document.createElement('tr');tr.appendChild(cell('none yet'));t.appendChild(tr);return}
rows.slice(-50).reverse().forEach(r=>{const tr=document.createElement('tr');cols.forEach(c=>tr.appendChild(cell(r[c])));t.appendChild(tr)})}
const list=(j)=>Array.isArray(j)?j:(j.contracts||j.deliveries||j.data||[]);
fetch('/__sandbox/contracts').then(r=>r.json()).then(j=>fill('contracts',list(j).map(c=>({...c,contract_state:c.contract_state||(c.contract_information||{}).contract_status})),['contractId','kind','contract_state','openid','plan_id','service_id','out_contract_code']));
fetch('/__sandbox/deliveries').then(r=>r.json()).then(j=>fill('deliveries',list(j),['startedAt','eventType','contractId','attempt','kind','status','ok']));`,
      ),
    ),
  );

  app.get('/sign', async (req, reply) => {
    const q = singleQuery(req.query);
    const token = q.presign_token ?? q.pre_entrustweb_id;
    if (!token) {
      return sendHtml(reply, 400, page('签约', '<p id="result">缺少 presign_token 或 pre_entrustweb_id</p>'));
    }
    let view: ReturnType<typeof viewSession>;
    try {
      view = viewSession(ctx, token);
    } catch (err) {
      if (err instanceof SandboxError) {
        return sendHtml(reply, err.statusCode, page('签约', '<p id="result">签约会话不存在</p>'));
      }
      throw err;
    }
    const returnUrl = safeReturnUrl(q.return_url);
    const rows: Array<[string, string | number | undefined]> =
      view.kind === 'edu'
        ? [
            ['产品', '教育续费通'],
            ['签约模板 plan_id', view.planId],
            ['用户账号 user_id', view.userId],
            ['openid', view.openid],
          ]
        : [
            ['产品', '免密支付'],
            ['签约方式 mode', view.mode],
            ['签约账户', view.contractDisplayAccount],
            ['service_id', view.serviceId],
            ['协议号', view.outContractCode],
            ['openid', view.openid],
            ['sub_openid', view.subOpenid],
          ];
    const pending = view.status === 'PENDING';
    const body = `<h1>${view.kind === 'edu' ? '开通教育续费通' : '开通免密支付'}</h1>
<dl id="details">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(String(v ?? ''))}</dd>`).join('')}
<dt>状态</dt><dd id="status">${esc(view.status)}</dd></dl>
<button id="confirm" type="button"${pending ? '' : ' disabled'}>确认签约</button>
<button id="cancel" type="button"${pending ? '' : ' disabled'}>取消</button>
<p id="result">${pending ? '' : esc(view.status === 'EXPIRED' ? '签约会话已过期' : `会话已结束：${view.status}`)}</p>`;
    const script = `(function(){
var token=${js(token)},returnUrl=${js(returnUrl)};
var base='/__sandbox/sessions/'+encodeURIComponent(token)+'/';
function done(result,text){
  document.getElementById('result').textContent=text;
  document.getElementById('confirm').disabled=true;document.getElementById('cancel').disabled=true;
  if(returnUrl&&result){var u=new URL(returnUrl);u.searchParams.set('sign_result',result);location.href=u.toString();}
}
function act(action,result,okText){
  fetch(base+action,{method:'POST'}).then(function(r){return r.json().then(function(b){
    if(r.ok){done(result,okText);}else{done(null,'失败：'+(b.message||b.code));}
  });}).catch(function(){done(null,'网络错误');});
}
document.getElementById('confirm').addEventListener('click',function(){act('confirm','SUCCESS','签约成功');});
document.getElementById('cancel').addEventListener('click',function(){act('cancel','CANCEL','已取消');});
})();`;
    return sendHtml(reply, 200, page('签约', body, script));
  });

  app.get('/login', async (req, reply) => {
    const q = singleQuery(req.query);
    const returnUrl = safeReturnUrl(q.return_url);
    const body = `<h1>模拟微信登录 wx.login</h1>
<label>openid（留空则随机）<br><input id="openid" value="${esc(q.openid ?? '')}" size="32"></label><br>
<button id="confirm" type="button">登录</button>
<p id="result"></p>`;
    const script = `(function(){
var returnUrl=${js(returnUrl)};
document.getElementById('confirm').addEventListener('click',function(){
  var openid=document.getElementById('openid').value.trim();
  fetch('/__sandbox/login-code',{method:'POST',headers:{'content-type':'application/json'},
    body:JSON.stringify(openid?{openid:openid}:{})}).then(function(r){return r.json();}).then(function(b){
    document.getElementById('result').textContent='code: '+b.code+' openid: '+b.openid;
    if(returnUrl){var u=new URL(returnUrl);u.searchParams.set('code',b.code);location.href=u.toString();}
  });
});
})();`;
    return sendHtml(reply, 200, page('登录', body, script));
  });
}
