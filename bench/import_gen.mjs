// Writes a CSV of realistic orders for `parceldesk import orders`, with the
// Chinese headers a customer's spreadsheet has (docs/import.md), for the
// import benchmark (bench/import.sh) and the large-file API test. Rows are
// deterministic for a given count and prefix; written in pieces, so a
// million rows need no more memory than a thousand.
//
// usage: node bench/import_gen.mjs ROWS OUT.csv [--prefix REF] [--bad-every K]
//   --prefix     customer reference prefix (default GEN); row i gets PREFIX-i
//   --bad-every  every K-th row has a weight that cannot be read ("abc")
import { createWriteStream } from 'node:fs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  if (i < 0) return def;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const prefix = opt('--prefix', 'GEN');
const badEvery = Number(opt('--bad-every', '0'));
const [rowsArg, out] = args;
const rows = Number(rowsArg);
if (!Number.isInteger(rows) || rows < 0 || !out) {
  console.error('usage: node bench/import_gen.mjs ROWS OUT.csv [--prefix REF] [--bad-every K]');
  process.exit(2);
}

const HEADER = '渠道,服务类型,付款方式,客户单号,寄件人,寄件人电话,寄件省,寄件市,寄件区县,寄件地址,'
  + '收件人,收件人电话,收件省,收件市,收件区县,收件地址,物品名称,数量,重量(kg),长(cm),宽(cm),高(cm),'
  + '保价金额(元),备注';
const ORIGINS = [
  ['广东省', '深圳市', '南山区', '科技园南路'], ['广东省', '深圳市', '福田区', '深南大道'],
  ['广东省', '广州市', '天河区', '体育西路'], ['上海市', '上海市', '浦东新区', '世纪大道'],
  ['浙江省', '杭州市', '西湖区', '文三路'], ['北京市', '北京市', '朝阳区', '建国路'],
];
const DESTS = [
  ...ORIGINS,
  ['四川省', '成都市', '武侯区', '人民南路'], ['湖北省', '武汉市', '洪山区', '珞喻路'],
  ['江苏省', '南京市', '鼓楼区', '中山北路'], ['陕西省', '西安市', '雁塔区', '长安南路'],
  ['福建省', '厦门市', '思明区', '鹭江道'], ['山东省', '青岛市', '市南区', '香港中路'],
];
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗';
const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛'];
const GOODS = ['衣服', '书籍', '鞋子', '茶叶', '文件', '玩具', '床上用品', '厨房用品', '日用品', '手机壳'];
const CHANNELS = ['电话', '电商', '柜台', 'APP', '即时通讯', '网站'];

const name = (i) => SURNAMES[i % SURNAMES.length] + GIVEN[(i * 7) % GIVEN.length];
const phone = (i, base) => String(base + (i % 100000000)).padStart(11, '1');
const quote = (s) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

function row(i) {
  const o = ORIGINS[i % ORIGINS.length];
  const d = DESTS[(i * 5 + 3) % DESTS.length];
  // 0.1 .. 19.9 kg with up to three decimals; a few heavy parcels go by freight
  const grams = 100 + ((i * 7919) % 19800);
  const heavy = i % 50 === 49;
  const kg = heavy ? '32.5' : (grams / 1000).toFixed(3).replace(/\.?0+$/, '');
  const service = heavy ? '快运' : i % 4 === 0 ? '特快' : '标准快递';
  const dims = i % 3 === 0 ? ['40', '30', '20.5'] : ['', '', ''];
  const declared = i % 10 === 0 ? String(100 + (i % 900)) + '.50' : '';
  const weight = badEvery > 0 && i % badEvery === badEvery - 1 ? 'abc' : kg;
  return [
    CHANNELS[i % CHANNELS.length], service, '寄付', `${prefix}-${i + 1}`,
    name(i), phone(i, 13800000000), o[0], o[1], o[2], `${o[3]} ${1 + (i % 300)} 号`,
    name(i + 11), phone(i, 13900000000), d[0], d[1], d[2], `${d[3]} ${1 + ((i * 3) % 500)} 号, ${1 + (i % 30)} 楼`,
    GOODS[i % GOODS.length], String(1 + (i % 3)), weight, ...dims, declared,
    i % 7 === 0 ? '请先电话联系\n"易碎"勿压' : '',
  ].map(quote).join(',');
}

const ws = createWriteStream(out);
const write = (s) => (ws.write(s) ? Promise.resolve() : new Promise((ok) => ws.once('drain', ok)));
await write(HEADER + '\r\n');
let buf = [];
for (let i = 0; i < rows; i++) {
  buf.push(row(i));
  if (buf.length === 1000) {
    await write(buf.join('\r\n') + '\r\n');
    buf = [];
  }
}
if (buf.length) await write(buf.join('\r\n') + '\r\n');
ws.end();
await new Promise((ok, fail) => { ws.on('finish', ok); ws.on('error', fail); });
