"""Graded relevance judgements for evaluating the site's search (kb.dev.searcheval and friends).

The queries are typed the way party workers type them into the search box: a topic plus a generic
word (组织生活会制度), a synonym or variant of the word the records use (缴纳党费 where the records say
交纳), short forms (支委会, 政审) and long official names (中国共产党发展党员工作细则), questions
(党费交多少), pinyin in full or as initials (sanhuiyike, shyk), two words with or without a space,
one-character typos from pinyin input methods (三会一棵, 谈心谈画) and the names of methods and cases as
people remember them loosely (四必谈工作法, 长者食堂案例). Many are deliberately phrased so that no record
contains them verbatim, or contains them only in passing.

The expected records were judged by reading the records of the sample data (data/standards,
data/methods, data/cases, data/issues: title or name, keywords, summary, clauses, process, body) and
deciding which of them answers the query, never from which records contain the query string.
Grades:

  2 = the record that answers the query: the one a reader wants to see in the top 3 (for a question
      about a standard's rule, the standard);
  1 = also relevant and useful (a method that implements the standard, a case that shows it, the
      overview standard that repeats the rule).

Keys are record page keys, folder/file stem of the YAML file: "standards/dangfei", "methods/sibi-tan",
"cases/<file stem>", "issues/2026-06".

`topic` is set only when the query's subject is exactly one of the activities of
kb.dev.wordbank.ACTIVITIES; on synthetic data the standards titled "<activity>工作规范（NNN）" on that
activity also answer the query (see grades_for).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Judged:
    query: str
    group: str
    grades: dict  # record key -> 2 (answers it) or 1 (relevant)
    topic: str = ""  # for synthetic data: the activity of kb.dev.wordbank.ACTIVITIES the query is about, else ""


# record keys, short names for the lists below
S = "standards/"
M = "methods/"
C = "cases/"
ISS = "issues/"

DANGFEI, SANHUI, FAZHAN, HUANJIE = S + "dangfei", S + "sanhui-yike", S + "fazhan-dangyuan", S + "huanjie-xuanju"
PINGYI, SHENGHUOHUI, TANXIN, DANGRI = S + "minzhu-pingyi", S + "zuzhi-shenghuohui", S + "tanxin-tanhua", S + "zhuti-dangri"
GUANXI, BIAOZHUN, ZEREN, PEIXUN = S + "zuzhi-guanxi-zhuanjie", S + "zhibu-biaozhunhua", S + "dangjian-zeren-qingdan", S + "dangyuan-jiaoyu-peixun"
TESE, ZHENDI = S + "yizhibu-yitese", S + "zhendi-jianshe"

GONGDI, FENGXIANDIAN, LINGXUE = M + "gongdi-ketang", M + "lianzheng-fengxiandian", M + "lingxue-weijiang"
ZHITONGCHE, XUEXISHE, SANDAN = M + "minsheng-zhitongche", M + "qingnian-xuexishe", M + "sandan-gongzuofa"
TAIZHANG, SIBITAN, YIXIANG, XIANGMU = M + "shuzi-taizhang", M + "sibi-tan", M + "yixiang-yiping", M + "zhibu-jian-xiangmu"

C_DANGFEI = C + "dangfei-mingbaizhang-guifan"
C_DANGXIAOZU = C + "dangxiaozu-an-yewuxian-shezhi"
C_ZOULIUCHENG = C + "dangyuan-zouliucheng-zhaodudian"
C_DIANTI = C + "dianti-anquan-xianfengdui"
C_JISHI = C + "fazhan-dangyuan-quancheng-jishi"
C_JIAODI = C + "jiaodi-ji-jiaozheng"
C_JIATING = C + "jiating-yisheng-qianyue-luoshi"
C_GUOTANG = C + "jiguan-dangzhibu-zhuzhi-guotang"
C_KAOQI = C + "kaoqi-shuyun-chuxing-baozhang"
C_LAOJIU = C + "laojiu-xiaoqu-gaizao-baobao"
C_ZHUCAN = C + "laonian-zhucan-dangyuan-baodian"
C_SANDAO = C + "lianjie-wenhua-sandao-guankou"
C_ZHIFA = C + "lianjie-zhifa-quanguocheng-jilu"
C_CAIGOU = C + "qinglian-caigou-fengxian-ditu"
C_QLGONGDI = C + "qinglian-gongdi-lianjie-gongjian"
C_GENCHE = C + "qingnian-genche-diaoyan-gongjiao"
C_XUANJIANG = C + "qingnian-xuanjiangtuan-lianxue"
C_REXIAN = C + "rexian-suqiu-fenxi-jinzhibu"
C_SHUDU = C + "shudu-fazhan-qingnian-xuexi"
C_TONGJI = C + "tongji-shuju-zhiliang-bagang"
C_XIAJI = C + "xiaji-yiliao-yingji-tujidui"
C_ZHAOSHENG = C + "zhaosheng-ruxue-dangyuan-zhuanxian"
C_ZHONGDA = C + "zhongda-xiangmu-qianqi-gongjian"
C_ZIZHU = C + "zizhu-zhengce-rujia-fang"

ISSUE_RONGHE, ISSUE_XIANFENG, ISSUE_GUOYING = ISS + "2026-06", ISS + "2026-07", ISS + "2026-08"
ISSUE_WEIMIN, ISSUE_QINGNIAN, ISSUE_QINGLIAN = ISS + "2026-09", ISS + "2026-10", ISS + "2026-11"


def _j(group: str, query: str, grades: dict, topic: str = "") -> Judged:
    return Judged(query, group, grades, topic)


def _group(group: str, rows: list) -> list[Judged]:
    return [_j(group, *row) for row in rows]


JUDGED: list[Judged] = [
    # -- a topic plus the generic word people add -------------------------------------------------
    *_group("主题+泛称", [
        ("组织生活会制度", {SHENGHUOHUI: 2, PINGYI: 1, TANXIN: 1, BIAOZHUN: 1}, "组织生活会"),
        ("党员大会制度", {SANHUI: 2, BIAOZHUN: 1}),
        ("党费收缴办法", {DANGFEI: 2, C_DANGFEI: 1}),
        ("发展党员程序", {FAZHAN: 2, C_JISHI: 1}),
        ("三会一课制度", {SANHUI: 2, BIAOZHUN: 1, TAIZHANG: 1}, "三会一课"),
        ("谈心谈话制度", {TANXIN: 2, SIBITAN: 1}, "谈心谈话"),
        ("主题党日活动方案", {DANGRI: 2}, "主题党日"),
        ("换届选举流程", {HUANJIE: 2}),
        ("民主评议党员办法", {PINGYI: 2, YIXIANG: 1}, "民主评议党员"),
        ("组织关系转接流程", {GUANXI: 2}),
        ("党员活动室建设要求", {ZHENDI: 2}),
        ("党员培训学时规定", {PEIXUN: 2, BIAOZHUN: 1}),
        ("党小组会制度", {SANHUI: 2, BIAOZHUN: 1, C_DANGXIAOZU: 1}),
        ("流动党员管理办法", {GUANXI: 2}),
        ("党支部建设标准", {BIAOZHUN: 2, C_GUOTANG: 1}),
        ("党建责任清单制度", {ZEREN: 2}),
        ("入党宣誓规定", {FAZHAN: 2, ZHENDI: 1}),
        ("支委会议事规则", {SANHUI: 2, BIAOZHUN: 1}),
    ]),
    # -- a synonym or variant of the word the records use -----------------------------------------
    *_group("同义词", [
        ("缴纳党费", {DANGFEI: 2, C_DANGFEI: 1}),  # the records say 交纳
        ("支部委员会会议", {SANHUI: 2, BIAOZHUN: 1, ZEREN: 1}),
        ("组织关系转移", {GUANXI: 2}),  # the records say 转移组织关系 / 转接
        ("党日活动", {DANGRI: 2}, "主题党日"),
        ("换届改选", {HUANJIE: 2}),
        ("支部党员大会", {SANHUI: 2, BIAOZHUN: 1}),
        ("党员年度评议", {PINGYI: 2, YIXIANG: 1}, "民主评议党员"),
        ("谈话谈心", {TANXIN: 2, SIBITAN: 1}, "谈心谈话"),
        ("党费减免", {DANGFEI: 2}),  # the records say 少交或者免交
        ("联系不上的党员", {GUANXI: 2}),  # 失去联系的党员, 停止党籍
        ("吸收新党员", {FAZHAN: 2}),
        ("党建品牌打造", {TESE: 2}),
        ("党员学习培训", {PEIXUN: 2}),
        ("党员之家", {ZHENDI: 2}),  # the records say 党员活动室
        ("入党培养考察", {FAZHAN: 2, C_JISHI: 1}),
        ("预备党员转正式党员", {FAZHAN: 2}),
    ]),
    # -- short forms ------------------------------------------------------------------------------
    *_group("简称", [
        ("支委会", {SANHUI: 2, BIAOZHUN: 1, ZEREN: 1}),
        ("政审", {FAZHAN: 2, C_JISHI: 1}),
        ("转正", {FAZHAN: 2, C_JISHI: 1}),
        ("组织关系", {GUANXI: 2}),
        ("积极分子", {FAZHAN: 2, C_JISHI: 1, PEIXUN: 1}),
        ("党日", {DANGRI: 2}, "主题党日"),
        ("民主评议", {PINGYI: 2, YIXIANG: 1}, "民主评议党员"),
        ("标准化", {BIAOZHUN: 2, C_GUOTANG: 1}),
        ("书记述职", {ZEREN: 2, BIAOZHUN: 1}),
        ("换届", {HUANJIE: 2}),
        ("预备期", {FAZHAN: 2}),
        ("生活会", {SHENGHUOHUI: 2}, "组织生活会"),
        ("党小组", {SANHUI: 2, C_DANGXIAOZU: 2, BIAOZHUN: 1}),
        ("廉政风险", {FENGXIANDIAN: 2, C_CAIGOU: 1, C_JIAODI: 1}),
        ("积分制", {YIXIANG: 2}),
        ("发展对象", {FAZHAN: 2, PEIXUN: 1}),
    ]),
    # -- long official names ----------------------------------------------------------------------
    *_group("全称", [
        ("中国共产党发展党员工作细则", {FAZHAN: 2, PEIXUN: 1}),
        ("机关党支部标准化规范化建设", {BIAOZHUN: 2, C_GUOTANG: 1}),
        ("基层党组织换届选举工作", {HUANJIE: 2}),
        ("关于中国共产党党费收缴、使用和管理的规定", {DANGFEI: 2}),
        ("中国共产党基层组织选举工作条例", {HUANJIE: 2}),
        ("中国共产党党员教育管理工作条例", {PEIXUN: 2, GUANXI: 1, PINGYI: 1}),
        ("中国共产党不合格党员组织处置办法", {PINGYI: 2}),
        ("中国共产党支部工作条例试行", {BIAOZHUN: 2, SANHUI: 2, SHENGHUOHUI: 1, DANGRI: 1, TANXIN: 1, PINGYI: 1}),
        ("中国共产党党和国家机关基层组织工作条例", {ZEREN: 2, BIAOZHUN: 2, ZHENDI: 1, HUANJIE: 1}),
        ("党委（党组）落实全面从严治党主体责任规定", {ZEREN: 2}),
        ("党员组织关系转移接续工作", {GUANXI: 2}),
        ("一支部一特色党建品牌创建活动", {TESE: 2}),
        ("全国党员管理信息系统", {GUANXI: 2}),
        ("党支部民主评议党员工作", {PINGYI: 2}, "民主评议党员"),
        ("青年理论学习小组建设", {XUEXISHE: 2, ISSUE_QINGNIAN: 2, C_SHUDU: 1, C_XUANJIANG: 1, C_GENCHE: 1}),
        ("预备党员的教育考察和转正", {FAZHAN: 2}),
        ("党员领导干部讲党课制度", {SANHUI: 2, PEIXUN: 1}),
    ]),
    # -- questions --------------------------------------------------------------------------------
    *_group("问句", [
        ("党费交多少", {DANGFEI: 2}),
        ("预备期多长", {FAZHAN: 2}),
        ("组织生活会多久开一次", {SHENGHUOHUI: 2, BIAOZHUN: 1}, "组织生活会"),
        ("支委会怎么开", {SANHUI: 2, BIAOZHUN: 1}),
        ("入党要多长时间", {FAZHAN: 2, C_JISHI: 1}),
        ("怎么转组织关系", {GUANXI: 2}),
        ("退休党员党费怎么算", {DANGFEI: 2}),
        ("主题党日可以去外地参观吗", {DANGRI: 2}, "主题党日"),
        ("民主评议优秀比例是多少", {PINGYI: 2}, "民主评议党员"),
        ("选举时要多少人到会", {HUANJIE: 2}),
        ("党员多久不交党费算自动脱党", {DANGFEI: 2, PINGYI: 1, GUANXI: 1}),  # the records say 自行脱党
        ("谈心谈话每年要谈几次", {TANXIN: 2, BIAOZHUN: 1}, "谈心谈话"),
        ("党员每年要学多少学时", {PEIXUN: 2, BIAOZHUN: 1}),
        ("几个人可以成立党支部", {BIAOZHUN: 2, HUANJIE: 2}),
        ("入党介绍人有什么条件", {FAZHAN: 2}),
        ("党课多久上一次", {SANHUI: 2, BIAOZHUN: 1, TAIZHANG: 1}),
        ("支部书记一年讲几次党课", {SANHUI: 2, C_DANGXIAOZU: 1}, "支部书记讲党课"),
        ("党费能用来买什么", {DANGFEI: 2, ZHENDI: 1}),
        ("流动党员怎么参加组织生活", {GUANXI: 2}),
        ("不合格党员怎么处理", {PINGYI: 2}),
        ("换届要提前多久请示", {HUANJIE: 2}),
        ("党员出国了组织关系怎么办", {GUANXI: 2}),
        ("集中学习怎么搞不枯燥", {LINGXUE: 2, C_SHUDU: 1, XUEXISHE: 1}, "集中学习"),
        ("专题党课怎么讲", {SANHUI: 2, GONGDI: 1}, "专题党课"),
        ("党员志愿服务怎么开展", {DANGRI: 2, ZHITONGCHE: 1, YIXIANG: 1}, "党员志愿服务"),
    ]),
    # -- pinyin, in full without tones and as initials --------------------------------------------
    *_group("拼音", [
        ("dangfei", {DANGFEI: 2, C_DANGFEI: 1}),
        ("sanhuiyike", {SANHUI: 2}, "三会一课"),
        ("zhutidangri", {DANGRI: 2}, "主题党日"),
        ("tanxintanhua", {TANXIN: 2, SIBITAN: 1}, "谈心谈话"),
        ("fazhandangyuan", {FAZHAN: 2, C_JISHI: 1}),
        ("huanjiexuanju", {HUANJIE: 2}),
        ("zuzhishenghuohui", {SHENGHUOHUI: 2}, "组织生活会"),
        ("minzhupingyi", {PINGYI: 2}, "民主评议党员"),
        ("zuzhiguanxi", {GUANXI: 2}),
        ("shyk", {SANHUI: 2}, "三会一课"),
        ("ztdr", {DANGRI: 2}, "主题党日"),
        ("mzpy", {PINGYI: 2}, "民主评议党员"),
        ("txth", {TANXIN: 2, SIBITAN: 1}, "谈心谈话"),
        ("hjxj", {HUANJIE: 2}),
        ("zzshh", {SHENGHUOHUI: 2}, "组织生活会"),
        ("fzdy", {FAZHAN: 2}),
        ("sibitan", {SIBITAN: 2, TANXIN: 1}),
        ("gongdiketang", {GONGDI: 2}),
        ("minshengzhitongche", {ZHITONGCHE: 2}),
    ]),
    # -- two words, with or without a space -------------------------------------------------------
    *_group("两词", [
        ("党费 退休", {DANGFEI: 2}),
        ("预备党员 转正", {FAZHAN: 2, C_JISHI: 1}),
        ("发展对象 公示", {FAZHAN: 2, C_JISHI: 1}),
        ("党员 积分", {YIXIANG: 2, C_DIANTI: 1, C_TONGJI: 1, C_ZHIFA: 1, C_KAOQI: 1}),
        ("支委会 议题", {SANHUI: 2, C_REXIAN: 1, C_ZHONGDA: 1, C_ZHUCAN: 1}),
        ("组织生活会 整改", {SHENGHUOHUI: 2}, "组织生活会"),
        ("主题党日 工地", {GONGDI: 2, C_ZHONGDA: 1, DANGRI: 1}),
        ("换届差额", {HUANJIE: 2}),
        ("党员先锋岗 窗口", {C_ZOULIUCHENG: 2, ZHENDI: 2, YIXIANG: 1}),
        ("流动党员 民主评议", {GUANXI: 2, PINGYI: 1}),
        ("临时党支部 党费", {XIANGMU: 2, DANGFEI: 1}),
        ("谈心谈话 记录", {TANXIN: 2, SIBITAN: 1}, "谈心谈话"),
        ("发展对象 培训", {FAZHAN: 2, PEIXUN: 2}),
        ("领导干部 双重组织生活", {SHENGHUOHUI: 2, SANHUI: 2, BIAOZHUN: 1, ZEREN: 1}),
        ("清廉机关 案例", {ISSUE_QINGLIAN: 2, C_CAIGOU: 1, C_QLGONGDI: 1, C_ZHIFA: 1, C_SANDAO: 1, FENGXIANDIAN: 1}),
        ("党员家访", {C_ZIZHU: 2}),
        ("警示教育 廉政", {FENGXIANDIAN: 2, C_CAIGOU: 2, C_SANDAO: 1, ISSUE_QINGLIAN: 1}, "警示教育"),
        ("结对共建 社区", {C_JIATING: 2, XIANGMU: 1, C_QLGONGDI: 1, C_XIAJI: 1}, "结对共建"),
        ("政策宣讲 社区", {ZHITONGCHE: 2, C_XUANJIANG: 1, DANGRI: 1, C_ZIZHU: 1}, "政策宣讲"),
        ("党费 公开", {DANGFEI: 2, C_DANGFEI: 1, ZHENDI: 1}),
        ("选举 监票人", {HUANJIE: 2}),
    ]),
    # -- one-character typos, mostly homophones from pinyin input methods -------------------------
    *_group("错字", [
        ("三会一棵", {SANHUI: 2}, "三会一课"),
        ("发展对像", {FAZHAN: 2}),
        ("入党积极份子", {FAZHAN: 2, C_JISHI: 1}),
        ("谈心谈画", {TANXIN: 2}, "谈心谈话"),
        ("组织生活汇", {SHENGHUOHUI: 2}, "组织生活会"),
        ("民主评义", {PINGYI: 2}, "民主评议党员"),
        ("换届选局", {HUANJIE: 2}),
        ("主体党日", {DANGRI: 2}, "主题党日"),
        ("支委汇", {SANHUI: 2}),
        ("组织关系转节", {GUANXI: 2}),
        ("预备党圆", {FAZHAN: 2}),
        ("党费收交", {DANGFEI: 2}),
        ("发展党原", {FAZHAN: 2}),
        ("思必谈", {SIBITAN: 2}),
        ("民生值通车", {ZHITONGCHE: 2}),
        ("一项一平", {YIXIANG: 2}),
        ("支部标准话", {BIAOZHUN: 2}),
        ("工地课唐", {GONGDI: 2}),
    ]),
    # -- names of methods, cases and issues as people remember them -------------------------------
    *_group("名称", [
        ("四必谈工作法", {SIBITAN: 2, C_JIATING: 1}),
        ("三单工作法", {SANDAN: 2, C_ZOULIUCHENG: 1, C_ZHONGDA: 1}),
        ("工地课堂做法", {GONGDI: 2, C_GENCHE: 1}),
        ("长者食堂案例", {C_ZHUCAN: 2, ISSUE_WEIMIN: 1}),
        ("一项一评积分", {YIXIANG: 2}),
        ("项目上建支部", {XIANGMU: 2, C_QLGONGDI: 1}),
        ("领学微讲研讨", {LINGXUE: 2, C_SHUDU: 1}),
        ("数字台账工作法", {TAIZHANG: 2, C_GUOTANG: 1, C_DANGFEI: 1}),
        ("逐支过堂", {C_GUOTANG: 2, BIAOZHUN: 1}),
        ("交地交证", {C_JIAODI: 2, ISSUE_RONGHE: 1}),
        ("风险点查防督", {FENGXIANDIAN: 2, C_CAIGOU: 1}),
        ("电梯先锋队", {C_DIANTI: 2}),
        ("招生咨询热线", {C_ZHAOSHENG: 2}),
        ("青年宣讲团联学", {C_XUANJIANG: 2}),
        ("数读发展学习小组", {C_SHUDU: 2}),
        ("跟车调研", {C_GENCHE: 2}),
        ("党员包保老旧小区", {C_LAOJIU: 2}),
        ("发展党员全程纪实", {C_JISHI: 2, FAZHAN: 1}),
        ("清廉工地建设", {C_QLGONGDI: 2}),
        ("采购风险地图", {C_CAIGOU: 2}),
        ("医疗应急党员突击队", {C_XIAJI: 2}),
        ("家庭医生签约", {C_JIATING: 2}),
        ("热线诉求分析", {C_REXIAN: 2}),
        ("廉洁三道关口", {C_SANDAO: 2}),
        ("高效办成一件事", {C_ZOULIUCHENG: 2}),
        ("数据把关岗", {C_TONGJI: 2}),
        ("按业务线划分党小组", {C_DANGXIAOZU: 2}),
        ("爱心送考", {C_KAOQI: 2}),
        ("党费明白账", {C_DANGFEI: 2, DANGFEI: 1}),
        ("执法全过程留痕", {C_ZHIFA: 2}),
        ("重大项目前期手续攻坚", {C_ZHONGDA: 2}),
        ("资助政策进万家", {C_ZIZHU: 2}),
        ("清廉机关专刊", {ISSUE_QINGLIAN: 2, C_CAIGOU: 1, C_QLGONGDI: 1, C_ZHIFA: 1, C_SANDAO: 1}),
        ("青年理论学习专刊", {ISSUE_QINGNIAN: 2, C_SHUDU: 1, C_XUANJIANG: 1, C_GENCHE: 1}),
        ("过硬支部建设专刊", {ISSUE_GUOYING: 2, C_GUOTANG: 1, C_DANGFEI: 1, C_JISHI: 1, C_DANGXIAOZU: 1}),
        ("党员先锋作用专刊", {ISSUE_XIANFENG: 2, C_KAOQI: 1, C_XIAJI: 1, C_LAOJIU: 1, C_DIANTI: 1, C_ZIZHU: 1}),
        ("为民服务办实事专刊", {ISSUE_WEIMIN: 2, C_ZHUCAN: 1, C_ZOULIUCHENG: 1, C_ZHAOSHENG: 1, C_JIATING: 1}),
        ("党建业务融合专刊", {ISSUE_RONGHE: 2, C_ZHONGDA: 1, C_JIAODI: 1, C_REXIAN: 1, C_TONGJI: 1}),
    ]),
]


def grades_for(judged: Judged, titles: dict) -> dict:
    """Grades over a corpus: the judged records, plus synthetic standards (titles "<topic>工作规范（NNN）") on the judged topic as 2."""
    grades = dict(judged.grades)
    if judged.topic:
        prefix = judged.topic + "工作规范"
        for key, title in titles.items():
            if key.startswith("standards/standard-") and str(title).startswith(prefix):
                grades[key] = 2
    return grades
