//! The demo world's words: names, groups and the chat script. Plain data, so the seeding code
//! stays short and a change here rebuilds the cached fixture (it is part of the version key).

/// Surnames with the pinyin used for the member's localpart (`wang0042`).
pub const SURNAMES: &[(&str, &str)] = &[
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("林", "lin"),
    ("高", "gao"),
    ("罗", "luo"),
    ("郑", "zheng"),
    ("梁", "liang"),
    ("谢", "xie"),
    ("宋", "song"),
    ("唐", "tang"),
    ("许", "xu"),
    ("韩", "han"),
    ("冯", "feng"),
    ("邓", "deng"),
    ("曹", "cao"),
];

/// Chinese given names, combined with [`SURNAMES`] for members' display names.
pub const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀兰", "霞", "平", "刚", "桂英", "浩然", "子涵", "雨萱", "梓轩", "思远", "欣怡", "一鸣", "晨曦", "嘉怡", "宇航",
    "诗涵", "俊杰", "佳琪",
];

/// English first names some members go by.
pub const ENGLISH_GIVEN: &[&str] = &[
    "Kevin", "Lucy", "Tony", "Grace", "Jason", "Vivian", "Eric", "Cindy", "Leo", "Amy", "Frank", "Iris", "Sam", "Nina",
];

/// Handles some members use instead of a real name.
pub const HANDLES: &[&str] =
    &["rustacean", "夜猫子", "小透明", "coder", "摸鱼达人", "bytewalker", "潜水员", "k8s_fan", "喵喵", "devnull"];

/// Technologies 技术交流群 talks about (`{t}` in its templates).
pub const TECH: &[&str] = &[
    "Rust",
    "Tokio",
    "Kubernetes",
    "Docker",
    "PostgreSQL",
    "Redis",
    "Go",
    "Python",
    "Vue",
    "React",
    "Svelte",
    "Tauri",
    "Nginx",
    "MySQL",
    "Kafka",
    "gRPC",
    "WebAssembly",
    "Linux 内核",
    "SQLite",
    "Elasticsearch",
];

/// Ordinary 技术交流群 chatter; `{t}` and `{u}` are two different technologies.
pub const TECH_LINES: &[&str] = &[
    "有人在生产环境用过{t}吗？踩过什么坑？",
    "{t}升级到新版本之后编译变慢了好多",
    "求推荐{t}的入门资料，官方文档看得有点晕",
    "我们组刚把服务迁到{t}，延迟降了大概30%",
    "{t}这个报错谁见过：connection reset by peer",
    "周末有{t}的线下分享会，有兴趣的可以一起去",
    "同问，{t}的内存占用一直降不下来",
    "建议先翻翻{t}的 issue 列表，这个问题好像已经修了",
    "谢谢大佬，按你说的改了{t}的配置，问题解决了 👍",
    "{t}和{u}选哪个好？团队只有三个人",
    "今天面试被问到{t}的底层原理，完全答不上来😂",
    "分享一篇{t}性能调优的文章，写得很细，值得一看",
    "{t}的文档终于有中文版了",
    "线上{t}又挂了，排查了一晚上，原来是磁盘满了",
    "有没有{t}方向的内推？坐标杭州",
    "Anyone here running {t} together with {u}? Looking for real-world experience.",
    "I wrote a small benchmark of {t} vs {u}, results are surprisingly close",
    "早上好各位☀️",
    "收到，学到了",
    "哈哈哈哈哈",
    "+1",
    "晚上有人在吗？想请教个{t}的问题",
    "{t}社区这次的版本说明写得真好",
    "我觉得{t}的学习曲线没有大家说的那么陡",
];

/// Projects Open Source Chat talks about (`{p}` in its templates).
pub const PROJECTS: &[&str] =
    &["ripgrep", "tokio", "Synapse", "Element", "Svelte", "Tauri", "SQLite", "curl", "nginx", "Matrix spec", "ruma"];

/// Open Source Chat: English, `{p}` is a project.
pub const OPEN_SOURCE_LINES: &[&str] = &[
    "Has anyone built {p} from source on Debian 12?",
    "PR for {p} is up, reviews welcome: a small fix in the CLI parser",
    "The {p} maintainers just tagged a new release 🎉",
    "Is there a good first issue in {p} for a newcomer?",
    "CI on {p} is red again, looks like a flaky test",
    "Reminder: community call on Thursday, the agenda is in the pinned doc",
    "Thanks for the review!",
    "License question: can we vendor an MIT crate into an Apache-2.0 project?",
    "I'd suggest opening a discussion before a big refactor of {p}",
    "Docs for {p} now have a Chinese translation, thanks to everyone who helped",
    "Benchmarks for {p} are in the wiki",
    "Who is going to the meetup next month?",
    "开源项目的中文文档还有人在维护吗？",
    "Good morning from Shanghai 👋",
];

/// Things for sale in 二手交易群, with asking prices in yuan.
pub const ITEMS: &[(&str, u32)] = &[
    ("iPhone 13 128G", 2600),
    ("MacBook Air M1", 4200),
    ("公路自行车", 1500),
    ("婴儿推车", 300),
    ("实木书桌", 450),
    ("27寸4K显示器", 1100),
    ("机械键盘", 280),
    ("佳能 50mm 镜头", 650),
    ("空气净化器", 520),
    ("电饭煲", 120),
    ("Switch 游戏机", 1300),
    ("考研资料全套", 80),
];

/// 二手交易群 posts; `{i}` is an item and `{p}` its price.
pub const SECOND_HAND_LINES: &[&str] = &[
    "出一台九成新{i}，{p}元，同城自提",
    "收一个二手{i}，预算{p}以内，有的私聊",
    "{i}还在吗？",
    "已出，谢谢大家",
    "可以小刀吗？",
    "包邮吗？江浙沪",
    "{i}成色怎么样，有发票吗？",
    "当面交易最稳，大家注意安全",
    "求购{i}，最好是自用的",
];

/// Hikes Weekend Hikers plans.
pub const TRAILS: &[&str] =
    &["Dragon's Back", "MacLehose Stage 2", "Lion Rock", "West Lake loop", "Xiangshan", "Huangshan east steps"];

/// Weekend Hikers: English, `{r}` is a route.
pub const HIKER_LINES: &[&str] = &[
    "Route for Saturday: {r}, meet at 8:00 at the trailhead",
    "Weather looks good, bring sunscreen and 2 litres of water",
    "Photos from last week's hike on {r} are in the album",
    "Who has a spare trekking pole?",
    "I'll drive, 3 seats left",
    "Is {r} OK for beginners?",
    "周六我也去！",
    "Remember to leave no trace 🌲",
];

/// 闲聊灌水区, the room where the owner is only a member.
pub const CHITCHAT_LINES: &[&str] =
    &["今天吃什么？", "下班了下班了", "这周末有什么好看的电影吗", "哈哈哈笑死我了", "有人一起打球吗"];

/// Messages a moderator must act on: `(group key, category, body)`. Categories follow the
/// product's classification: gambling, fraud, pii, insult (flooding is the burst below).
pub const FLAGGED: &[(&str, &str, &str)] = &[
    ("tech", "gambling", "【澳门威尼斯人】线上真人百家乐，注册即送88元彩金，日赢万元不是梦！加微信 vns8888 了解详情"),
    ("tech", "gambling", "網絡賭博 天天返水，百 家 乐 上线，点击 http://bet-8888.example 立即下注"),
    ("tech", "fraud", "招聘兼职刷单员，在家动动手指日赚300-500元，先垫付后返佣，联系QQ 2869411235"),
    ("tech", "pii", "大家帮我人肉一下这个人：张某某，身份证号 11010519491231002X，手机 13812345678，住朝阳区"),
    ("tech", "insult", "你是不是脑子有病？傻逼一个，滚出这个群"),
    ("tech", "insult", "shut up you worthless idiot, nobody cares about your code"),
    (
        "opensource",
        "fraud",
        "🚀 Guaranteed 300% returns in 7 days! Join our crypto investment group, DM me your wallet address now",
    ),
    (
        "opensource",
        "gambling",
        "Best online casino bonus: deposit $10 get $200, play slots & baccarat now at lucky-spin.example",
    ),
    ("opensource", "insult", "you're a moron, go back to your cave"),
    (
        "secondhand",
        "fraud",
        "低价出售全新未拆封 iPhone 15 Pro Max 只要1999元，先付定金500到支付宝，加微信 zfb-8866 发货",
    ),
    ("secondhand", "fraud", "代办信用卡，无视征信，当天下卡，额度5万起，联系电话 13912345678"),
    ("secondhand", "pii", "这个卖家是骗子！他叫李某，电话 13698765432，身份证 440308199003071235，大家去他家找他"),
    ("secondhand", "insult", "穷鬼就别来二手群了，垃圾东西还卖这么贵，脑残"),
    ("hikers", "insult", "nobody wants you on the hike, loser"),
];

/// The flooding burst in 技术交流群: one member posts this many times in a row.
pub const FLOOD_BODY: &str = "加群领福利，扫码进群免费领取会员 👉 http://fuli-vip.example";
/// How many times the flood message is posted in a row.
pub const FLOOD_COUNT: usize = 15;
