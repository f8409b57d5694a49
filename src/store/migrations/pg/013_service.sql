-- 013_service (PostgreSQL): the service desk, part B — problem parcels in
-- full, the knowledge base, shift handovers. Same tables and columns as
-- migrations/sqlite/013_service.sql, whose comments say why each is there;
-- waybill_no columns are COLLATE "C" as in 008. The knowledge base's
-- Chinese search uses pg_trgm (a GIN trigram index) where SQLite has FTS5.

-- pg_trgm ships with PostgreSQL (contrib) but creating it needs a role
-- allowed to: say so plainly instead of a bare permission error.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE EXCEPTION 'migration 013 needs the pg_trgm extension for knowledge-base search (%): '
        'install the PostgreSQL contrib package and run CREATE EXTENSION pg_trgm in this '
        'database as a superuser, then migrate again', SQLERRM;
END
$$;

ALTER TABLE problem_parcels ADD COLUMN root_cause TEXT NOT NULL DEFAULT '';
ALTER TABLE problem_parcels ADD COLUMN resolution TEXT NOT NULL DEFAULT '';
ALTER TABLE problem_parcels ADD COLUMN source_scan TEXT COLLATE "C";
ALTER TABLE problem_parcels ADD COLUMN updated_ms BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX problem_parcels_scan ON problem_parcels (source_scan)
    WHERE source_scan IS NOT NULL;
CREATE INDEX problem_parcels_opened ON problem_parcels (opened_ms);

CREATE TABLE problem_actions (
    id BIGSERIAL PRIMARY KEY,
    problem_id BIGINT NOT NULL REFERENCES problem_parcels (id),
    action TEXT NOT NULL CHECK (action <> ''),
    at_ms BIGINT NOT NULL,
    by_user BIGINT REFERENCES users (id),
    note TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    amount_fen BIGINT NOT NULL DEFAULT 0 CHECK (amount_fen >= 0),
    case_id BIGINT
);
CREATE INDEX problem_actions_problem ON problem_actions (problem_id, id);

CREATE TABLE problem_contacts (
    id BIGSERIAL PRIMARY KEY,
    problem_id BIGINT NOT NULL REFERENCES problem_parcels (id),
    at_ms BIGINT NOT NULL,
    party TEXT NOT NULL CHECK (party IN ('sender', 'recipient')),
    channel TEXT NOT NULL CHECK (channel <> ''),
    outcome TEXT NOT NULL CHECK (outcome <> ''),
    note TEXT NOT NULL DEFAULT '',
    by_user BIGINT REFERENCES users (id),
    recorded_ms BIGINT NOT NULL
);
CREATE INDEX problem_contacts_problem ON problem_contacts (problem_id, id);

CREATE TABLE problem_evidence (
    id BIGSERIAL PRIMARY KEY,
    problem_id BIGINT NOT NULL REFERENCES problem_parcels (id),
    file_name TEXT COLLATE "C" NOT NULL UNIQUE,
    content_type TEXT NOT NULL
        CHECK (content_type IN ('image/jpeg', 'image/png', 'application/pdf')),
    size_bytes BIGINT NOT NULL CHECK (size_bytes > 0),
    sha256 TEXT NOT NULL,
    uploaded_by BIGINT REFERENCES users (id),
    uploaded_ms BIGINT NOT NULL
);
CREATE INDEX problem_evidence_problem ON problem_evidence (problem_id, id);

CREATE TABLE compensation_cases (
    id BIGSERIAL PRIMARY KEY,
    problem_id BIGINT NOT NULL REFERENCES problem_parcels (id),
    waybill_no TEXT COLLATE "C" NOT NULL,
    node_id BIGINT NOT NULL REFERENCES nodes (id),
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    state TEXT NOT NULL DEFAULT 'open' CHECK (state <> ''),
    note TEXT NOT NULL DEFAULT '',
    created_ms BIGINT NOT NULL,
    created_by BIGINT REFERENCES users (id)
);
CREATE UNIQUE INDEX compensation_cases_open ON compensation_cases (problem_id)
    WHERE state = 'open';

CREATE TABLE job_cursors (
    name TEXT COLLATE "C" PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    key_text TEXT COLLATE "C" NOT NULL DEFAULT '',
    key_seq BIGINT NOT NULL DEFAULT 0,
    updated_ms BIGINT NOT NULL
);

CREATE INDEX scans_exceptions ON scans (received_ms, device_id, device_seq)
    WHERE type = 'exception';

CREATE TABLE kb_articles (
    id BIGSERIAL PRIMARY KEY,
    title TEXT NOT NULL CHECK (title <> ''),
    body TEXT NOT NULL CHECK (body <> ''),
    category TEXT NOT NULL CHECK (category <> ''),
    tags TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    author_id BIGINT REFERENCES users (id),
    updated_by BIGINT REFERENCES users (id),
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX kb_articles_list ON kb_articles (status, category, id);
-- Chinese search: a trigram GIN index over the searched text serves
-- ILIKE '%term%' for terms of three characters or more (pg_trgm extracts
-- no trigram from shorter ones, and the query then reads every row, as
-- SQLite's LIKE fallback does). The expression must stay exactly the one
-- pg_service.c searches. pg_trgm sees CJK characters as word characters
-- only under a UTF-8 locale (C.UTF-8, zh_CN.UTF-8); under the C locale
-- the index still answers correctly, just without narrowing.
CREATE INDEX kb_articles_trgm ON kb_articles
    USING gin ((title || ' ' || tags || ' ' || body) gin_trgm_ops);

CREATE TABLE handovers (
    id BIGSERIAL PRIMARY KEY,
    node_id BIGINT NOT NULL REFERENCES nodes (id),
    shift TEXT NOT NULL CHECK (shift <> ''),
    shift_date TEXT NOT NULL CHECK (length(shift_date) = 10),
    author_id BIGINT NOT NULL REFERENCES users (id),
    created_ms BIGINT NOT NULL,
    body TEXT NOT NULL CHECK (body <> ''),
    items TEXT NOT NULL DEFAULT '[]',
    open_items INTEGER NOT NULL DEFAULT 0,
    acked_by BIGINT REFERENCES users (id),
    acked_ms BIGINT NOT NULL DEFAULT 0,
    ack_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX handovers_node ON handovers (node_id, id);
CREATE INDEX handovers_unacked ON handovers (id) WHERE acked_ms = 0;

INSERT INTO role_permissions (role, perm) VALUES
    ('supervisor', 'kb.edit'), ('manager', 'kb.edit'), ('admin', 'kb.edit');

INSERT INTO kb_articles (title, body, category, tags, status, created_ms, updated_ms) VALUES
    ('标准价目表 2026：首重、续重与计费重量',
     '标准价目表（2026 版，自 2026-01-01 起执行）按始发地到目的地的区域计费：同城、省内、相邻省、全国、偏远地区（西藏、新疆、青海）。
运费 = 首重费用 + 续重费用。标准件首重 1 公斤：同城 12 元、省内 14 元、相邻省 16 元、全国 18 元、偏远 25 元；续重每公斤：同城 2 元、省内 4 元、相邻省 5 元、全国 6 元、偏远 12 元。加急件在标准件基础上上浮 60%（如全国首重 28.80 元、续重 9.60 元）。
计费重量取实际重量与体积重量中较大者；体积重量（克）= 长×宽×高（厘米）÷ 6000 × 1000。计费重量按 500 克进位。
金额一律以“分”为单位精确计算，不使用小数；报价单逐项列出每一项费用（运费、附加费、保价费、代收货款手续费）。
大客户可使用合同价；低于价目表的特殊费率须提交特殊费率申请，经主管或经理审批后方可使用，申请人不得自行审批。',
     'rates', '资费 运费 首重 续重 计费重量 体积重', 'published', 1795363200000, 1795363200000),
    ('附加费、保价费与代收货款手续费',
     '附加费（标准价目表 2026）：
- 燃油附加费：运费的 3%；
- 偏远地区附加费：每票 10 元；
- 特殊包装费：每票 5 元；
- 冷链件：每票 10 元，另加每公斤 2 元。
保价：按声明价值的 0.5% 收取保价费，最低 1 元；单票声明价值上限 5 万元。声明价值超过 1000 元的贵重物品必须保价，并请客户保留购物发票。
代收货款（COD）手续费：代收金额的 1%，最低 3 元。
货代业务的代理费用：报关 150 元、报检 80 元、港杂 120 元。
客户询问“为什么比网上报价贵”时，请打开报价明细逐项解释，计费重量（体积重）和附加费是最常见的原因。',
     'rates', '资费 附加费 燃油附加费 保价 保价费 代收货款 手续费', 'published', 1795363200000, 1795363200000),
    ('各产品承诺送达时效（完美订单）',
     '下单时系统按产品和区域给出计划揽收日期和承诺送达日期（完美订单信息），以揽收当日之后的自然日计算：
- 标准件：同城 1 天、省内 2 天、相邻省 2 天、全国 3 天、偏远地区 5 天；
- 加急件：同城 1 天、省内 1 天、相邻省 1 天、全国 2 天、偏远地区 4 天；
- 冷链件：同城 1 天、省内 2 天、相邻省 2 天、全国 3 天，偏远地区不收；
- 快运（零担）：同城 2 天、省内 3 天、相邻省 3 天、全国 5 天、偏远地区 7 天。
预计延误时应主动提前通知客户。超过承诺时间同城 3 个自然日、异地 7 个自然日仍未签收的快件视为彻底延误，可按丢失处理。',
     'time_limits', '时效 承诺时效 送达时间 完美订单 标准件 加急件 冷链 快运', 'published', 1795363200000, 1795363200000),
    ('服务事故处理时限（客服手册工作标准）',
     '投诉各岗位工作标准（工作日按营业日历计算，法定节假日不计，调休上班日计入）：
- 服务事故前期调查：1 个工作日；
- 回复客户书面索赔：事故未调查清楚之前写致歉信，1 个工作日；基本调查清楚写商洽函，2 个工作日；
- 涉及内网责任的，向责任方发事故确认函：自事故发生后不超过 10 个工作日；
- 网络追偿无果的上报总公司仲裁：不超过 40 个工作日；
- 结果报公司经理进行调帐处理：不超过 60 个工作日；
- 超过权限或无法处理的服务事故上报审批：不超过 10 个工作日；
- 客户赔付（从事故发生日开始计算）：不超过 60 个工作日完成；
- 超过权限和重大的服务事故立即上报总公司：24 小时内；
- 分公司投诉人员汇总统计分析上月发生的所有事故：每月 3 日前。
“N 个工作日内”指事故发生当地日期之后第 N 个工作日的 24:00 之前，事故当天为第 0 天。',
     'time_limits', '时限 服务事故 致歉信 商洽函 事故确认函 仲裁 调帐 赔付 工作日', 'published', 1795363200000, 1795363200000),
    ('投诉的法定答复时限与营业日历',
     '《快递暂行条例》第二十八条：经营快递业务的企业应当及时处理用户投诉，自接到投诉之日起 7 日内予以处理并告知用户。用户对处理结果不满意的，可以向邮政管理部门申诉（12305）；对邮政管理部门转来的申诉，须在其规定期限内答复（常见为 10 日）。
系统中每张投诉工单都有法定时钟和手册时钟，节假日和调休按国务院办公厅公布的放假安排计算。2026 年放假：元旦 1 月 1 日至 3 日，春节 2 月 15 日至 23 日，清明节 4 月 4 日至 6 日，劳动节 5 月 1 日至 5 日，端午节 6 月 19 日至 21 日，中秋节 9 月 25 日至 27 日，国庆节 10 月 1 日至 7 日；调休上班日：1 月 4 日（周日）、2 月 14 日（周六）、2 月 28 日（周六）、5 月 9 日（周六）、9 月 20 日（周日）、10 月 10 日（周六）。
等待客户补充材料期间，可暂停的时钟会暂停，工单上会显示暂停状态。',
     'complaints', '投诉 7日 答复 快递暂行条例 申诉 12305 节假日 调休', 'published', 1795363200000, 1795363200000),
    ('禁寄物品目录（依据《禁止寄递物品管理规定》）',
     '以下物品一律不得收寄，收寄验视时发现应当场拒收，在途发现按问题件（禁寄品）上报并按规定移交：
- 枪支（含仿制品、主要零部件）、弹药；
- 管制器具：管制刀具、匕首、弹簧刀、弩、电击器、催泪瓦斯、防狼喷雾等（普通厨刀、水果刀不在此列）；
- 爆炸物品：烟花爆竹、礼花、雷管、炸药等；
- 易燃易爆物品：汽油、柴油、酒精（高浓度）、油漆、打火机气体、压缩气体等；
- 毒性物品、腐蚀性物品、放射性物品；
- 毒品及吸毒工具；
- 非法出版物、淫秽物品，非法伪造物品（假币、假证件）；
- 国家秘密文件和资料；
- 活体动物（另有规定的除外）；
- 危害公共卫生的物品（如未经处理的医疗废物）。
禁寄限寄清单由系统统一维护，下单审核和揽收验视都会自动比对货物名称。',
     'prohibited_goods', '禁寄 禁寄物品 违禁品 枪支 弹药 管制刀具 烟花爆竹 易燃易爆 毒品 活体动物', 'published', 1795363200000, 1795363200000),
    ('限寄物品收寄条件：电池、酒类、化妆品与液体',
     '以下物品有条件收寄，不符合条件的拒收：
- 锂电池：单块额定能量不超过 100Wh，须安装在设备中或原厂包装；散装、破损、鼓包电池不收；
- 充电宝/移动电源：额定能量不超过 100Wh，标识清晰，每件不超过 2 个；
- 电子烟、烟油：含锂电池按锂电池条件；烟油须密封，每件不超过 100 毫升；
- 酒类（白酒、红酒、葡萄酒、啤酒、黄酒）：原厂密封包装，防碎防漏，每件不超过 6 瓶；酒精度 70% 以上按易燃液体禁寄；
- 香水、指甲油、发胶、喷雾：每件不超过 100 毫升，原厂密封包装；
- 药品：须提供处方或购药凭证，精神类、麻醉类药品禁寄；
- 贵重物品：须保价，声明价值超过 1000 元的请保留发票。
客户询问时先确认物品的具体名称和规格，再查清单答复；无法确定时请转查询员。',
     'prohibited_goods', '限寄 锂电池 充电宝 移动电源 鼓包 电子烟 白酒 香水 液体 100Wh', 'published', 1795363200000, 1795363200000),
    ('赔偿原则：保价快件与未保价快件',
     '服务事故赔偿原则：
- 已保价的快件：丢失按声明价值赔偿，破损、短少按损失比例赔偿；
- 未保价的快件：按合同约定的规则赔偿；常见标准为运费的若干倍封顶（如《邮政法》第四十七条对未保价邮件为邮资的 3 倍，有的快递企业为运费的 7 倍）；《快递暂行条例》第二十七条：未保价快件的丢失、损毁依民事法律确定赔偿，保价快件按保价约定赔偿；
- 延误：免收运费（保价费不退）；
- 免责：不可抗力、客户自身原因、物品本身的自然性质或合理损耗、禁寄物品。
声明价值超过 1000 元的须保价并提供发票。每一项赔偿决定都要写明计算依据，由有权限的人员审批：超过分公司权限的上报总公司。',
     'claims_policy', '理赔 赔偿 保价 未保价 丢失 破损 短少 运费 倍 免责', 'published', 1795363200000, 1795363200000),
    ('彻底延误与延误快件的处理',
     '快件超过承诺送达时间仍未签收的，为延误；延误时免收运费，保价费不退。
超过承诺时间同城 3 个自然日、异地 7 个自然日仍未签收的，为彻底延误，可视为丢失，按丢失的赔偿原则处理。
系统的滞留件巡检每 5 分钟检查一次：彻底延误的快件会自动生成“彻底延误”问题件，长时间没有扫描记录的快件会生成“长时间未更新”问题件，并通知订阅了推送的客户。
处理延误问题件时请先查轨迹定位快件，再联系收寄双方说明情况，并把每次联系记录在问题件上。',
     'claims_policy', '延误 彻底延误 丢失 运费 免收 同城 异地 3天 7天', 'published', 1795363200000, 1795363200000),
    ('理赔工作时限与报案要求',
     '保险理赔工作标准：
- 保险理赔事故前期调查取证：3 个工作日；
- 将保险事故报给保险公司：2 个工作日；
- 分公司提出赔案处理办法和处罚意见，报分公司经理及总公司：5 个工作日；
- 无法处理的事故上报审批：10 个工作日；
- 客户赔付（从事故发生日开始计算）：两个月内完成；
- 发现丢失时立即报案，并取得报案回执（非常重要）；
- 分公司理赔人员每月 5 日前分析本区域重大理赔事故原因并上报总公司理赔处；
- 每月 27 日 17:00 前上报上月 27 日至本月 26 日的投保明细和投保率。
理赔需要的材料：运单、破损或短少照片、价值证明（发票）、收件人签收时的异常记录。',
     'claims_policy', '理赔 保险 时限 报案 回执 投保率 工作日 两个月', 'published', 1795363200000, 1795363200000),
    ('投诉处理流程与首问责任制',
     '接到投诉时的处理步骤：
1. 倾听：让客户把问题说完，不打断，不推诿；
2. 道歉：先对给客户带来的不便表示歉意；
3. 记录：运单号、问题经过、客户的诉求和联系方式，直接录入系统；
4. 核实：查轨迹、查问题件记录，必要时联系网点；
5. 提出解决方案并承诺答复时间；
6. 跟进：在承诺时间内推动责任部门处理；
7. 答复客户；
8. 回访：结案后回访客户满意度（1–5 分）。
首问责任制：第一个接到客户来电的人员对该问题负责到底，即使工单转给其他部门，也要跟踪到结果并保持与客户的联系。
针对投诉暴露的问题制定整改措施，明确责任人、完成期限，并评估整改效果。',
     'complaints', '投诉 首问责任制 道歉 回访 满意度 整改 流程', 'published', 1795363200000, 1795363200000),
    ('问题件的受理、处理与结案',
     '问题件类型：破损、丢失、短少、错分/错发、延误、地址不详、拒收、在途发现禁寄品、自然灾害、其他。
受理：网点发现问题时在系统中登记问题件，写明问题经过，并上传证据照片（JPEG、PNG 或 PDF，单个文件不超过 5MB）；扫描设备上报的异常扫描会由巡检自动生成问题件。
处理：根据情况选择处理方式——重新派送、改派（须填写新地址）、退回寄件人、暂扣留仓、销毁（须写明原因）、赔偿（填写索赔金额，系统同时生成赔偿案件，转理赔处理）。
联系：每一次与寄件人或收件人的联系（时间、对象、方式、结果）都要记录在问题件上。
结案：结案必须填写结案原因，并选择根本原因（包装不当、野蛮装卸、分拣错误、地址信息有误等），用于每月按类型、网点和原因的复盘统计。
发现破损、丢失、短少或到付拒付时严禁擅自处理，要与开单受理员或值班员联系处理。',
     'operations', '问题件 破损 丢失 短少 错分 地址不详 拒收 禁寄品 改派 退回 证据 照片', 'published', 1795363200000, 1795363200000),
    ('投递到快递柜、驿站或代签收须经收件人同意',
     '自 2024 年 3 月 1 日起施行的《快递市场管理办法》规定：未经用户同意，不得代为确认收到快件，不得擅自将快件投递到智能快件箱、快递服务站等快递末端服务设施。
派送前应联系收件人；收件人同意投递到快递柜、驿站或由他人代收的，须在派送扫描时记录同意情况，系统会检查签收扫描是否带有同意记录。
贵重物品投递时应当面核验收件人身份。客户投诉“没打电话就放驿站”时，请先查看签收扫描的同意记录，再按投诉流程处理。',
     'service_standards', '快递柜 驿站 代收点 代签收 同意 快递市场管理办法 投递', 'published', 1795363200000, 1795363200000),
    ('交接班制度',
     '每个班次结束前，值班人员在系统中填写交接班记录：本班次的主要情况，以及需要下一班次继续跟进的遗留事项（关联到工单、问题件或运单）。
接班人员应逐项阅读并在系统中确认接收；交班人员本人不能确认自己的交接记录。
主管可以查看本网络内所有尚未确认的交接记录，及时督促。交接工作必须清楚，未交接清楚的事项由交班人员负责。',
     'operations', '交接班 交接 值班 交班 接班 遗留事项', 'published', 1795363200000, 1795363200000);
