"""Insights: /segments, /churn, /experiment(s), churn reasons, and the community report."""

_FEATURES: dict[str, tuple[str, str]] = {
    "recency_days": ("days since last active", "距上次活跃天数"),
    "tenure_days": ("days in the community", "加入天数"),
    "acts_7": ("actions in 7 days", "7 天内活动次数"),
    "acts_14": ("actions in 14 days", "14 天内活动次数"),
    "acts_30": ("actions in 30 days", "30 天内活动次数"),
    "active_days_7": ("active days of the last 7", "近 7 天活跃天数"),
    "active_days_14": ("active days of the last 14", "近 14 天活跃天数"),
    "active_days_30": ("active days of the last 30", "近 30 天活跃天数"),
    "messages_7": ("messages in 7 days", "7 天内消息数"),
    "messages_30": ("messages in 30 days", "30 天内消息数"),
    "trend_7": ("activity trend, this week vs last", "本周与上周活动趋势"),
    "trend_14": ("activity trend, 2 weeks vs the 2 before", "近两周与之前两周活动趋势"),
    "trend_active_days": ("active-day trend over 30 days", "30 天活跃天数趋势"),
    "replies_sent_30": ("replies to others in 30 days", "30 天内回复他人次数"),
    "replies_received_7": ("replies received in 7 days", "7 天内收到回复数"),
    "replies_received_30": ("replies received in 30 days", "30 天内收到回复数"),
    "reactions_given_30": ("reactions given in 30 days", "30 天内给出的表情回应"),
    "reactions_received_7": ("reactions received in 7 days", "7 天内收到的表情回应"),
    "reactions_received_30": ("reactions received in 30 days", "30 天内收到的表情回应"),
    "questions_30": ("questions asked in 30 days", "30 天内提问数"),
    "unanswered_questions_30": ("questions left unanswered", "无人回答的提问"),
    "mean_gap_days": ("usual days between visits", "平时两次活跃间隔天数"),
    "max_gap_days_30": ("longest silence in 30 days (days)", "30 天内最长沉默天数"),
    "recency_vs_rhythm": ("silence compared with their usual rhythm", "沉默时长相对平时节奏"),
    "hour_spread_30": ("spread of active hours", "活跃时段分散度"),
    "weekdays_30": ("weekdays active", "活跃的星期几数"),
    "channels_30": ("channels posted in", "发言频道数"),
    "reply_degree_30": ("conversation partners in 30 days", "30 天内交流对象数"),
    "reply_degree_all": ("conversation partners overall", "累计交流对象数"),
    "partners_active_7": ("share of partners still active", "交流对象中仍活跃的比例"),
    "voice_minutes_30": ("voice minutes in 30 days", "30 天内语音分钟数"),
    "points_30": ("points earned in 30 days", "30 天内获得积分"),
    "points_lifetime": ("points earned overall", "累计获得积分"),
    "helpful_30": ("helpful answers in 30 days", "30 天内有用回答数"),
    "message_length_30": ("average message length", "平均消息长度"),
    "sentiment_30": ("mood of their messages", "消息情绪"),
    "sentiment_trend": ("mood trend", "情绪趋势"),
    "active_strikes": ("active strikes", "生效中的警告"),
    "strikes_total": ("strikes overall", "累计警告"),
    "stage": ("growth stage", "成长阶段"),
    "in_team": ("in a team", "是否加入小组"),
    "first_week_acts": ("actions in their first week", "加入首周活动次数"),
    "returns": ("times they came back after 2 weeks away", "离开两周后回归次数"),
    "leaves": ("times they left", "离开次数"),
    "share_of_community": ("share of community activity", "占社区活动比例"),
}

_SEGMENTS = {
    "high_value": ("high value", "高价值"),
    "potential": ("potential", "潜力"),
    "dormant": ("dormant", "沉睡"),
    "churned": ("churned", "已流失"),
}

MESSAGES: dict[str, dict[str, str]] = {
    **{f"insights.feature.{k}": {"en": en, "zh": zh} for k, (en, zh) in _FEATURES.items()},
    **{f"insights.segment.{k}": {"en": en, "zh": zh} for k, (en, zh) in _SEGMENTS.items()},
    "insights.summary.segments": {"en": "Members per RFM segment (admins)",
                                  "zh": "各 RFM 分层的成员数（管理员）"},
    "insights.summary.churn": {"en": "Members at risk of going quiet, with reasons (admins)",
                               "zh": "可能流失的成员及原因（管理员）"},
    "insights.summary.experiment": {"en": "Start, stop or read an A/B test of nudges (admins)",
                                    "zh": "开始、停止或查看提醒的 A/B 实验（管理员）"},
    "insights.summary.experiments": {"en": "A/B tests of nudges and their results (admins)",
                                     "zh": "提醒的 A/B 实验及结果（管理员）"},
    # ---- /segments ----------------------------------------------------------------------
    "insights.segments.header": {
        "en": "Member segments (RFM) as of {when}, {members} members:",
        "zh": "成员分层（RFM），截至 {when}，共 {members} 名成员：",
    },
    "insights.segments.line": {"en": "• {segment}: {count} ({percent}%)",
                               "zh": "• {segment}：{count}（{percent}%）"},
    "insights.segments.changes": {
        "en": "Since the previous snapshot: {declined} moved to a lower segment, {improved} to "
              "a higher one.",
        "zh": "与上次相比：{declined} 人降到更低的分层，{improved} 人升到更高的分层。",
    },
    "insights.segments.empty": {
        "en": "Not enough data: no members are known in this community yet.",
        "zh": "数据不足：这个社区还没有成员记录。",
    },
    # ---- /churn -------------------------------------------------------------------------
    "insights.churn.header": {
        "en": "Members likely to go quiet in the next {days} days (act within {hours} h). "
              "Model AUC {auc}, recency alone {baseline}:",
        "zh": "未来 {days} 天内可能沉默的成员（请在 {hours} 小时内跟进）。模型 AUC {auc}，"
              "仅用最近活跃时间 {baseline}：",
    },
    "insights.churn.item": {"en": "{rank}. {name} — risk {risk}%: {reasons}",
                            "zh": "{rank}. {name} — 风险 {risk}%：{reasons}"},
    "insights.churn.reason": {"en": "{feature} {value} (typical {typical})",
                              "zh": "{feature} {value}（一般为 {typical}）"},
    "insights.churn.no_reasons": {"en": "no single standout reason",
                                  "zh": "没有特别突出的原因"},
    "insights.churn.none": {
        "en": "Nobody is above the risk threshold right now (model AUC {auc}, recency alone "
              "{baseline}).",
        "zh": "目前没有成员超过风险阈值（模型 AUC {auc}，仅用最近活跃时间 {baseline}）。",
    },
    "insights.churn.weak": {
        "en": "Note: here the model does not beat recency alone; read the list with care.",
        "zh": "注意：在这里模型并不比仅看最近活跃时间更好，请谨慎参考。",
    },
    "insights.churn.nodata.no_activity": {
        "en": "not enough data: no member activity is stored for this community yet.",
        "zh": "数据不足：这个社区还没有任何成员活动记录。",
    },
    "insights.churn.nodata.history": {
        "en": "not enough data: the stored history covers {days} days, the churn model needs "
              "at least {needed} (history before the first snapshot plus two prediction "
              "horizons).",
        "zh": "数据不足：已有记录只覆盖 {days} 天，流失模型至少需要 {needed} 天（首个快照前的历史"
              "加上两个预测周期）。",
    },
    "insights.churn.nodata.members": {
        "en": "not enough data: only {members} members were active at the test snapshot, at "
              "least {needed} are needed.",
        "zh": "数据不足：测试快照时只有 {members} 名活跃成员，至少需要 {needed} 名。",
    },
    "insights.churn.nodata.classes_train": {
        "en": "not enough data: the training snapshots hold {churned} members who went quiet "
              "and {stayed} who stayed; at least {needed} of each are needed.",
        "zh": "数据不足：训练快照中有 {churned} 名成员沉默、{stayed} 名留下，两类各至少需要 "
              "{needed} 名。",
    },
    "insights.churn.nodata.classes_test": {
        "en": "not enough data: the test snapshot holds {churned} members who went quiet and "
              "{stayed} who stayed; at least {needed} of each are needed.",
        "zh": "数据不足：测试快照中有 {churned} 名成员沉默、{stayed} 名留下，两类各至少需要 "
              "{needed} 名。",
    },
    # ---- /experiment --------------------------------------------------------------------
    "insights.experiment.usage": {
        "en": "Usage: /experiment start NAME arms=a,b [window=4h] [days=7] [weights=1,1] · "
              "/experiment stop NAME · /experiment NAME (results)",
        "zh": "用法：/experiment start 名称 arms=a,b [window=4h] [days=7] [weights=1,1] · "
              "/experiment stop 名称 · /experiment 名称（查看结果）",
    },
    "insights.experiment.bad_name": {
        "en": "{name} is not a valid experiment name: use lowercase letters, digits and _ . - "
              "(at most 48), e.g. wakeup-copy.",
        "zh": "{name} 不是有效的实验名称：请使用小写字母、数字和 _ . -（最多 48 个），例如 "
              "wakeup-copy。",
    },
    "insights.experiment.bad_option": {
        "en": "I don't understand {option}: the options are arms=, window=, days= and weights=.",
        "zh": "无法理解 {option}：可用选项为 arms=、window=、days= 和 weights=。",
    },
    "insights.experiment.repeated_option": {"en": "{option}= is given twice; give it once.",
                                            "zh": "{option}= 出现了两次，请只写一次。"},
    "insights.experiment.no_arms": {
        "en": "Name the arms, e.g. arms=control,social (the first is the control).",
        "zh": "请写出实验组，例如 arms=control,social（第一个是对照组）。",
    },
    "insights.experiment.bad_arm": {
        "en": "{arm} is not a valid arm name: use lowercase letters, digits, _ and -.",
        "zh": "{arm} 不是有效的实验组名称：请使用小写字母、数字、_ 和 -。",
    },
    "insights.experiment.duplicate_arm": {"en": "Each arm name may appear once.",
                                          "zh": "每个实验组名称只能出现一次。"},
    "insights.experiment.one_arm": {
        "en": "An experiment needs at least two arms to compare (got only {arm}); add a "
              "control, e.g. arms=control,{arm}.",
        "zh": "实验至少需要两个组才能比较（只有 {arm}）；请加上对照组，例如 arms=control,{arm}。",
    },
    "insights.experiment.too_many_arms": {"en": "At most {max} arms per experiment.",
                                          "zh": "每个实验最多 {max} 个组。"},
    "insights.experiment.bad_window": {
        "en": "{window} is not a duration; write it like 30m, 4h or 2d.",
        "zh": "{window} 不是时长，请写成 30m、4h 或 2d 这样的形式。",
    },
    "insights.experiment.window_too_long": {"en": "The window can be at most {days} days.",
                                            "zh": "观察窗口最长 {days} 天。"},
    "insights.experiment.bad_days": {
        "en": "days={days} is not valid: give a number of days between 0 and 365, e.g. days=7.",
        "zh": "days={days} 无效：请给出 0 到 365 之间的天数，例如 days=7。",
    },
    "insights.experiment.bad_weights": {
        "en": "weights need one positive number per arm ({arms} arms), e.g. weights=1,1.",
        "zh": "weights 需要为每个组（共 {arms} 个）各给一个正数，例如 weights=1,1。",
    },
    "insights.experiment.started": {
        "en": "Experiment {name} started: arms {arms}, outcome = acting within {window}{until}.",
        "zh": "实验 {name} 已开始：分组 {arms}，结果 = {window} 内有活动{until}。",
    },
    "insights.experiment.until": {"en": ", until {when}", "zh": "，持续到 {when}"},
    "insights.experiment.exists": {
        "en": "An experiment called {name} already exists; pick another name.",
        "zh": "已经有名为 {name} 的实验了，请换一个名称。",
    },
    "insights.experiment.cap": {
        "en": "The limit of {limit} experiments a day is reached ({count} run today); start "
              "this one tomorrow.",
        "zh": "已达到每天 {limit} 个实验的上限（今天已有 {count} 个），请明天再开始。",
    },
    "insights.experiment.stopped": {
        "en": "Experiment {name} stopped. Results: /experiment {name}",
        "zh": "实验 {name} 已停止。查看结果：/experiment {name}",
    },
    "insights.experiment.not_found": {
        "en": "There is no experiment called {name}. See /experiments.",
        "zh": "没有名为 {name} 的实验。请查看 /experiments。",
    },
    "insights.experiment.not_running": {"en": "Experiment {name} is not running.",
                                        "zh": "实验 {name} 没有在进行。"},
    "insights.experiment.header": {
        "en": "{name} ({status}, outcome window {window}, source {source}):",
        "zh": "{name}（{status}，观察窗口 {window}，来源 {source}）：",
    },
    "insights.experiment.status.running": {"en": "running", "zh": "进行中"},
    "insights.experiment.status.stopped": {"en": "stopped", "zh": "已停止"},
    "insights.experiment.status.ended": {"en": "ended", "zh": "已结束"},
    "insights.experiment.status.observed": {"en": "observed", "zh": "观察所得"},
    "insights.experiment.arm": {
        "en": "  {arm}: {converted}/{exposed} acted = {rate}% (95% CI {low}–{high}%)",
        "zh": "  {arm}：{converted}/{exposed} 有活动 = {rate}%（95% 置信区间 {low}–{high}%）",
    },
    "insights.experiment.compare": {
        "en": "  {arm} vs {control}: {lift} percentage points, p = {p}",
        "zh": "  {arm} 对比 {control}：{lift} 个百分点，p = {p}",
    },
    "insights.experiment.effect": {"en": "Result: {arm} does better than {control}.",
                                   "zh": "结论：{arm} 的效果好于 {control}。"},
    "insights.experiment.worse": {"en": "Result: {arm} does worse than {control}.",
                                  "zh": "结论：{arm} 的效果差于 {control}。"},
    "insights.experiment.no_effect": {
        "en": "Result: no significant difference between the arms.",
        "zh": "结论：各组之间没有显著差异。",
    },
    "insights.experiment.nodata.few_members": {
        "en": "Not enough data yet: every arm needs {min} exposed members ({needed} more in "
              "the smallest arm).",
        "zh": "数据还不够：每个组需要 {min} 名曝光成员（最少的组还差 {needed} 名）。",
    },
    "insights.experiment.nodata.few_conversions": {
        "en": "Not enough data yet: too few members acted (or too few did not) for a reliable "
              "test.",
        "zh": "数据还不够：有活动（或没有活动）的成员太少，检验结果不可靠。",
    },
    "insights.experiment.nodata.one_arm": {
        "en": "Not enough data: an experiment needs at least two arms to compare.",
        "zh": "数据不足：实验至少需要两个组才能比较。",
    },
    "insights.experiments.none": {
        "en": "No experiments yet. Start one with /experiment start NAME arms=a,b window=4h.",
        "zh": "还没有实验。用 /experiment start 名称 arms=a,b window=4h 开始一个。",
    },
    "insights.experiments.header": {"en": "Experiments:", "zh": "实验列表："},
    # ---- the report ---------------------------------------------------------------------
    "insights.report.title": {"en": "Community report: {name}", "zh": "社区报告：{name}"},
    "insights.report.generated": {
        "en": "Data up to {as_of}; {members} members, {events} activities in the last {days} "
              "days.",
        "zh": "数据截至 {as_of}；{members} 名成员，近 {days} 天共 {events} 次活动。",
    },
    "insights.report.weekdays": {"en": "Mon,Tue,Wed,Thu,Fri,Sat,Sun",
                                 "zh": "周一,周二,周三,周四,周五,周六,周日"},
    "insights.report.heatmap": {"en": "When the community is active (weekday × hour, {tz})",
                                "zh": "社区活跃时间（星期 × 小时，{tz}）"},
    "insights.report.graph": {"en": "Who talks with whom: the {n} most connected members",
                              "zh": "谁和谁交流：联系最多的 {n} 名成员"},
    "insights.report.funnel": {"en": "Value funnel", "zh": "价值漏斗"},
    "insights.report.segments": {"en": "Segment sizes over time",
                                 "zh": "各分层人数随时间变化"},
    "insights.report.stages": {"en": "Growth stages", "zh": "成长阶段分布"},
    "insights.report.mood": {"en": "Mood over time", "zh": "情绪变化"},
    "insights.report.moderation": {"en": "Moderation load and SLA compliance",
                                   "zh": "审核工作量与 SLA 达标情况"},
    "insights.report.churn": {"en": "Churn warning", "zh": "流失预警"},
    "insights.report.experiments": {"en": "Experiments", "zh": "实验"},
    "insights.report.churn_summary": {
        "en": "Model AUC {auc} vs {baseline} for recency alone (test snapshot {test}, "
              "{rows} members). Label: no activity in the next {days} days.",
        "zh": "模型 AUC {auc}，仅用最近活跃时间为 {baseline}（测试快照 {test}，{rows} 名成员）。"
              "标签：未来 {days} 天内没有活动。",
    },
    "insights.report.moderation_summary": {
        "en": "{cases} review cases; {percent}% claimed within {minutes} min (the acknowledge "
              "deadline).",
        "zh": "{cases} 个审核案例；{percent}% 在 {minutes} 分钟内被认领（确认时限）。",
    },
    "insights.report.col.member": {"en": "Member", "zh": "成员"},
    "insights.report.col.risk": {"en": "Risk", "zh": "风险"},
    "insights.report.col.reasons": {"en": "Top reasons", "zh": "主要原因"},
    "insights.report.col.arm": {"en": "Arm", "zh": "组"},
    "insights.report.col.exposed": {"en": "Exposed", "zh": "曝光"},
    "insights.report.col.converted": {"en": "Acted", "zh": "有活动"},
    "insights.report.col.rate": {"en": "Rate", "zh": "比例"},
    "insights.report.empty.activity": {"en": "No activity stored yet.",
                                       "zh": "还没有活动记录。"},
    "insights.report.empty.graph": {"en": "No replies between members yet.",
                                    "zh": "成员之间还没有回复。"},
    "insights.report.empty.funnel": {"en": "No members yet.", "zh": "还没有成员。"},
    "insights.report.empty.segments": {
        "en": "No segment snapshots yet (they are taken by the scheduled recompute).",
        "zh": "还没有分层快照（由定时任务生成）。",
    },
    "insights.report.empty.stages": {"en": "No growth stages recorded yet.",
                                     "zh": "还没有成长阶段记录。"},
    "insights.report.empty.mood": {
        "en": "No sentiment scores stored (the feelings feature is off or has not scored "
              "messages yet).",
        "zh": "没有情绪评分记录（情绪功能未开启或尚未评分）。",
    },
    "insights.report.empty.moderation": {"en": "No review cases in this period.",
                                         "zh": "这段时间没有审核案例。"},
    "insights.report.empty.churn": {"en": "Nobody is above the risk threshold.",
                                    "zh": "没有成员超过风险阈值。"},
    "insights.report.empty.experiments": {"en": "No experiments yet.", "zh": "还没有实验。"},
    "insights.report.funnel.joined": {"en": "joined", "zh": "加入"},
    "insights.report.funnel.first_message": {"en": "first message", "zh": "首次发言"},
    "insights.report.funnel.active": {"en": "active", "zh": "活跃"},
    "insights.report.funnel.expert": {"en": "expert", "zh": "专家"},
    "insights.report.funnel.leader": {"en": "leader", "zh": "领袖"},
}
