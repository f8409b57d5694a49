// Every string the console shows, in Simplified Chinese (first) and English,
// and the current language. The choice is remembered in localStorage and
// mirrored on <html lang> so screen readers and fonts pick the right script.
// Data that comes from the server (names of people and nodes) is shown as
// stored; only the vocabularies the console knows by code (roles, node types,
// permissions, audit actions) are translated here. Role, node-type and
// permission names mirror src/core/org.def.

const STORAGE_KEY = 'pd.lang';

const zh = {
  'app.name': 'ParcelDesk 客服运营系统',
  'app.loading': '正在加载…',
  'app.skip': '跳到主要内容',
  'lang.switch': 'English',
  'lang.switch.title': 'Switch to English',

  'login.title': '员工登录',
  'login.username': '用户名',
  'login.password': '密码',
  'login.submit': '登录',
  'login.busy': '正在登录…',
  'login.expired': '登录已失效，请重新登录',
  'login.missing': '请输入用户名和密码',

  'top.user': '当前用户',
  'top.password': '修改密码',
  'top.logout': '退出登录',

  'nav.label': '功能模块',
  'nav.dashboard': '工作台',
  'nav.orders': '订单受理',
  'nav.tracking': '运单查询/跟踪',
  'nav.exceptions': '问题件',
  'nav.tickets': '客服工单',
  'nav.claims': '理赔',
  'nav.customers': '客户',
  'nav.callcenter': '呼叫中心',
  'nav.reports': '报表',
  'nav.admin': '系统管理',
  'nav.shortcut': '快捷键 {key}',

  'coming.title': '尚未提供',
  'coming.body': '本模块将在后续版本提供。',
  'notfound.body': '页面不存在。',
  'forbidden.body': '您没有访问此页面的权限。',
  'back.dashboard': '返回工作台',

  'dash.me': '我的账号',
  'dash.display_name': '姓名',
  'dash.username': '用户名',
  'dash.role': '角色',
  'dash.node': '所属网点',
  'dash.auth': '认证方式',
  'dash.auth.session': '登录会话',
  'dash.auth.apikey': 'API 密钥',
  'dash.perms': '我的权限',
  'dash.perms.none': '没有任何权限',
  'dash.health': '服务器状态',
  'dash.health.ok': '运行正常',
  'dash.health.down': '数据库不可用',
  'dash.health.unreachable': '无法连接服务器',
  'dash.health.checking': '正在检查…',
  'dash.health.checked': '检查时间 {time}',
  'dash.health.refresh': '重新检查',

  'admin.users': '用户',
  'admin.nodes': '网点',
  'admin.audit': '审计日志',
  'admin.sections': '系统管理分区',

  'users.search': '搜索用户',
  'users.search.placeholder': '用户名或姓名',
  'users.search.submit': '搜索',
  'users.col.username': '用户名',
  'users.col.display_name': '姓名',
  'users.col.role': '角色',
  'users.col.node': '网点',
  'users.col.phone': '电话',
  'users.col.active': '状态',
  'users.col.created': '创建时间',
  'users.active': '启用',
  'users.inactive': '停用',
  'users.empty': '没有符合条件的用户',
  'users.more': '加载更多',
  'users.new': '新建用户',
  'users.f.username': '用户名',
  'users.f.username.hint': '2–64 位小写字母、数字或 . _ -',
  'users.f.display_name': '姓名',
  'users.f.role': '角色',
  'users.f.node': '所属网点',
  'users.f.password': '初始密码',
  'users.f.password.hint': '至少 8 位，含字母和数字',
  'users.f.phone': '手机号（可选）',
  'users.f.choose': '请选择',
  'users.f.submit': '创建用户',
  'users.created': '已创建用户 {name}',

  'nodes.col.name': '网点',
  'nodes.col.code': '编码',
  'nodes.col.type': '类型',
  'nodes.col.region': '地区',
  'nodes.col.active': '状态',
  'nodes.empty': '没有网点',

  'audit.col.at': '时间',
  'audit.col.actor': '操作人',
  'audit.col.action': '动作',
  'audit.col.object': '对象',
  'audit.col.node': '网点',
  'audit.col.ip': 'IP',
  'audit.col.request': '请求号',
  'audit.empty': '暂无审计记录',
  'audit.more': '加载更多',
  'audit.end': '已经是最早的记录',

  'pw.title': '修改密码',
  'pw.current': '当前密码',
  'pw.new': '新密码',
  'pw.new.hint': '至少 8 位，含字母和数字',
  'pw.confirm': '确认新密码',
  'pw.mismatch': '两次输入的新密码不一致',
  'pw.submit': '保存新密码',
  'pw.done': '密码已修改。您的其他登录会话已被退出。',

  'common.loading': '正在加载…',
  'common.yes': '是',
  'common.no': '否',
  'common.required': '此项必填',
  'err.network': '无法连接服务器，请检查网络后重试',
  'err.http': '服务器返回错误（HTTP {status}）',

  'role.agent': '座席/受理员',
  'role.inquiry_clerk': '查询员',
  'role.complaint_handler': '投诉专员',
  'role.claims_handler': '理赔专员',
  'role.dispatcher': '调度',
  'role.account_manager': '客户经理',
  'role.resident_agent': '驻站员',
  'role.legal': '法务',
  'role.analyst': '数据分析员',
  'role.supervisor': '主管',
  'role.manager': '经理',
  'role.courier': '快递员',
  'role.admin': '系统管理员',
  'role.scanner': '扫描设备',
  'role.customer_system': '客户系统',

  'ntype.head_office': '总公司',
  'ntype.branch_l1': '一级分公司',
  'ntype.branch_l2': '二级分公司',
  'ntype.branch_l3': '三级及以下分公司',
  'ntype.outlet': '营业厅/网点',
  'ntype.sorting_centre': '分拨中心',

  'perm.me': '查看本人信息',
  'perm.nodes.read': '查看网点',
  'perm.nodes.manage': '管理网点',
  'perm.users.read': '查看用户',
  'perm.users.manage': '管理用户',
  'perm.apikeys.manage': '管理 API 密钥',
  'perm.audit.read': '查看审计日志',
  'perm.permissions.manage': '管理权限矩阵',
  'perm.personal_data.read': '查看个人信息（受审计）',
  'perm.orders.create': '受理订单',
  'perm.orders.read': '查询订单',
  'perm.orders.review': '审核订单',
  'perm.quotes': '报价',
  'perm.dispatch': '调度揽收',
  'perm.scans.write': '上传扫描',
  'perm.tracking.read': '跟踪查询',
  'perm.tickets.read': '查看工单',
  'perm.tickets.write': '处理工单',
  'perm.claims': '理赔',
  'perm.customers': '客户管理',
  'perm.callcenter': '呼叫中心数据',
  'perm.reports': '报表',

  'action.auth.login': '登录',
  'action.auth.login_failed': '登录失败',
  'action.auth.logout': '退出登录',
  'action.auth.password_change': '修改密码',
  'action.user.create': '创建用户',
  'action.user.update': '修改用户',
  'action.user.read_personal': '查看个人信息',
  'action.node.create': '创建网点',
  'action.node.update': '修改网点',
  'action.apikey.create': '创建 API 密钥',
  'action.apikey.revoke': '吊销 API 密钥',
  'action.permission.update': '修改权限',
  'actor.system': '系统',
  'actor.public': '未登录访客',
  'actor.apikey': 'API 密钥',
};

const en = {
  'app.name': 'ParcelDesk Customer Service & Operations',
  'app.loading': 'Loading…',
  'app.skip': 'Skip to main content',
  'lang.switch': '中文',
  'lang.switch.title': '切换到中文',

  'login.title': 'Staff sign-in',
  'login.username': 'User name',
  'login.password': 'Password',
  'login.submit': 'Log in',
  'login.busy': 'Logging in…',
  'login.expired': 'Your session has expired. Please log in again.',
  'login.missing': 'Enter your user name and password',

  'top.user': 'Signed in as',
  'top.password': 'Change password',
  'top.logout': 'Log out',

  'nav.label': 'Modules',
  'nav.dashboard': 'Dashboard',
  'nav.orders': 'Order intake',
  'nav.tracking': 'Waybills & tracking',
  'nav.exceptions': 'Problem parcels',
  'nav.tickets': 'Service tickets',
  'nav.claims': 'Claims',
  'nav.customers': 'Customers',
  'nav.callcenter': 'Call centre',
  'nav.reports': 'Reports',
  'nav.admin': 'Administration',
  'nav.shortcut': 'Shortcut {key}',

  'coming.title': 'Not available yet',
  'coming.body': 'This module is coming in a later release.',
  'notfound.body': 'There is no such page.',
  'forbidden.body': 'You do not have permission to open this page.',
  'back.dashboard': 'Back to the dashboard',

  'dash.me': 'My account',
  'dash.display_name': 'Name',
  'dash.username': 'User name',
  'dash.role': 'Role',
  'dash.node': 'Network node',
  'dash.auth': 'Signed in with',
  'dash.auth.session': 'Login session',
  'dash.auth.apikey': 'API key',
  'dash.perms': 'My permissions',
  'dash.perms.none': 'No permissions',
  'dash.health': 'Server health',
  'dash.health.ok': 'Healthy',
  'dash.health.down': 'Database unavailable',
  'dash.health.unreachable': 'Cannot reach the server',
  'dash.health.checking': 'Checking…',
  'dash.health.checked': 'Checked at {time}',
  'dash.health.refresh': 'Check again',

  'admin.users': 'Users',
  'admin.nodes': 'Network nodes',
  'admin.audit': 'Audit log',
  'admin.sections': 'Administration sections',

  'users.search': 'Search users',
  'users.search.placeholder': 'User name or name',
  'users.search.submit': 'Search',
  'users.col.username': 'User name',
  'users.col.display_name': 'Name',
  'users.col.role': 'Role',
  'users.col.node': 'Node',
  'users.col.phone': 'Phone',
  'users.col.active': 'Status',
  'users.col.created': 'Created',
  'users.active': 'Active',
  'users.inactive': 'Disabled',
  'users.empty': 'No matching users',
  'users.more': 'Load more',
  'users.new': 'New user',
  'users.f.username': 'User name',
  'users.f.username.hint': '2–64 lower-case letters, digits or . _ -',
  'users.f.display_name': 'Display name',
  'users.f.role': 'Role',
  'users.f.node': 'Network node',
  'users.f.password': 'Initial password',
  'users.f.password.hint': 'At least 8 characters with letters and digits',
  'users.f.phone': 'Mobile phone (optional)',
  'users.f.choose': 'Choose…',
  'users.f.submit': 'Create user',
  'users.created': 'User {name} created',

  'nodes.col.name': 'Node',
  'nodes.col.code': 'Code',
  'nodes.col.type': 'Type',
  'nodes.col.region': 'Region',
  'nodes.col.active': 'Status',
  'nodes.empty': 'No nodes',

  'audit.col.at': 'Time',
  'audit.col.actor': 'Actor',
  'audit.col.action': 'Action',
  'audit.col.object': 'Object',
  'audit.col.node': 'Node',
  'audit.col.ip': 'IP',
  'audit.col.request': 'Request ID',
  'audit.empty': 'No audit entries yet',
  'audit.more': 'Load more',
  'audit.end': 'These are the oldest entries',

  'pw.title': 'Change password',
  'pw.current': 'Current password',
  'pw.new': 'New password',
  'pw.new.hint': 'At least 8 characters with letters and digits',
  'pw.confirm': 'Repeat the new password',
  'pw.mismatch': 'The two new passwords differ',
  'pw.submit': 'Save new password',
  'pw.done': 'Password changed. Your other sessions have been signed out.',

  'common.loading': 'Loading…',
  'common.yes': 'Yes',
  'common.no': 'No',
  'common.required': 'Required',
  'err.network': 'Cannot reach the server. Check the network and try again.',
  'err.http': 'The server answered with an error (HTTP {status})',

  'role.agent': 'Agent',
  'role.inquiry_clerk': 'Inquiry clerk',
  'role.complaint_handler': 'Complaint handler',
  'role.claims_handler': 'Claims handler',
  'role.dispatcher': 'Dispatcher',
  'role.account_manager': 'Account manager',
  'role.resident_agent': 'Resident agent',
  'role.legal': 'Legal',
  'role.analyst': 'Data analyst',
  'role.supervisor': 'Supervisor',
  'role.manager': 'Manager',
  'role.courier': 'Courier',
  'role.admin': 'Administrator',
  'role.scanner': 'Scanning device',
  'role.customer_system': 'Customer system',

  'ntype.head_office': 'Head office',
  'ntype.branch_l1': 'Level-1 branch',
  'ntype.branch_l2': 'Level-2 branch',
  'ntype.branch_l3': 'Level-3+ branch',
  'ntype.outlet': 'Outlet / station',
  'ntype.sorting_centre': 'Sorting centre',

  'perm.me': 'View own account',
  'perm.nodes.read': 'View network nodes',
  'perm.nodes.manage': 'Manage network nodes',
  'perm.users.read': 'View users',
  'perm.users.manage': 'Manage users',
  'perm.apikeys.manage': 'Manage API keys',
  'perm.audit.read': 'Read the audit log',
  'perm.permissions.manage': 'Manage the permission matrix',
  'perm.personal_data.read': 'Read personal data (audited)',
  'perm.orders.create': 'Take orders',
  'perm.orders.read': 'Look up orders',
  'perm.orders.review': 'Review orders',
  'perm.quotes': 'Quote prices',
  'perm.dispatch': 'Dispatch pick-ups',
  'perm.scans.write': 'Upload scans',
  'perm.tracking.read': 'Track parcels',
  'perm.tickets.read': 'View tickets',
  'perm.tickets.write': 'Work on tickets',
  'perm.claims': 'Claims',
  'perm.customers': 'Manage customers',
  'perm.callcenter': 'Call-centre data',
  'perm.reports': 'Reports',

  'action.auth.login': 'Logged in',
  'action.auth.login_failed': 'Failed login',
  'action.auth.logout': 'Logged out',
  'action.auth.password_change': 'Changed password',
  'action.user.create': 'Created user',
  'action.user.update': 'Updated user',
  'action.user.read_personal': 'Read personal data',
  'action.node.create': 'Created node',
  'action.node.update': 'Updated node',
  'action.apikey.create': 'Created API key',
  'action.apikey.revoke': 'Revoked API key',
  'action.permission.update': 'Changed permissions',
  'actor.system': 'System',
  'actor.public': 'Anonymous',
  'actor.apikey': 'API key',
};

const TABLES = { zh, en };

/** Human roles a user account may hold, in the order of src/core/org.def. */
export const HUMAN_ROLES = [
  'agent', 'inquiry_clerk', 'complaint_handler', 'claims_handler', 'dispatcher',
  'account_manager', 'resident_agent', 'legal', 'analyst', 'supervisor', 'manager',
  'courier', 'admin',
];

function initialLang() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'zh' || saved === 'en') return saved;
  } catch { /* storage disabled: fall back to Chinese */ }
  return 'zh';
}

let current = initialLang();

/** The current language: 'zh' or 'en'. */
export function lang() {
  return current;
}

/** The value for <html lang> and Accept-Language. */
export function langTag() {
  return current === 'en' ? 'en' : 'zh-CN';
}

/** Reflect the language on the document (lang attribute and title). */
export function applyLang() {
  document.documentElement.lang = langTag();
  document.title = t('app.name');
}

/** Switch language and remember the choice; the caller re-renders. */
export function setLang(next) {
  current = next === 'en' ? 'en' : 'zh';
  try { localStorage.setItem(STORAGE_KEY, current); } catch { /* not remembered, still switched */ }
  applyLang();
}

/**
 * Translate a key, replacing {name} placeholders from vars. An unknown key
 * comes back as itself so a missing entry is visible rather than blank.
 */
export function t(key, vars) {
  let s = TABLES[current][key] ?? zh[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

/** Translate a key if the table has it, else return the fallback (server data). */
export function tOr(key, fallback) {
  return key in TABLES[current] ? TABLES[current][key] : fallback;
}
