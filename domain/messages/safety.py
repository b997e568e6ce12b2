"""Member- and moderator-facing safety texts: filters, review queue, strikes, appeals,
escalations and crisis playbooks."""

MESSAGES: dict[str, dict[str, str]] = {
    "safety.held": {
        "en": "Your message was held for review by the moderators (case #{case}). If they "
        "approve it, it will be posted again.",
        "zh": "你的消息已提交版主审核（案件 #{case}）。审核通过后会重新发布。",
    },
    "safety.deleted": {
        "en": "Your message was removed: {reason}.",
        "zh": "你的消息已被删除：{reason}。",
    },
    "safety.warned": {
        "en": "Warning: {reason}. This is strike {count} of {max}.",
        "zh": "警告：{reason}。这是第 {count} 次警告（共 {max} 次）。",
    },
    "safety.timed_out": {
        "en": "You have been timed out for {duration}: {reason}. (Strike {count} of {max}.)",
        "zh": "你已被禁言 {duration}：{reason}。（第 {count} 次警告，共 {max} 次。）",
    },
    "safety.banned": {
        "en": "You have been banned from {community}: {reason}.",
        "zh": "你已被移出 {community}：{reason}。",
    },
    "safety.strike_expired": {
        "en": "One of your strikes has expired. Active strikes: {count} of {max}.",
        "zh": "你的一次警告已过期。当前有效警告：{count} 次（共 {max} 次）。",
    },
    "safety.dry_run_notice": {
        "en": "[dry run] {rule} would have done: {action} (message {message_id}).",
        "zh": "[试运行] 规则 {rule} 本应执行：{action}（消息 {message_id}）。",
    },
    "safety.mod_notice": {
        "en": "{action} on a message by {member} in {channel}: {rules}.",
        "zh": "{member} 在 {channel} 的消息被执行 {action}：{rules}。",
    },
    "safety.reason.keyword": {
        "en": "it contains a blocked word or phrase",
        "zh": "包含被屏蔽的词语",
    },
    "safety.reason.regex": {
        "en": "it matches a blocked pattern",
        "zh": "匹配了被屏蔽的内容格式",
    },
    "safety.reason.links": {
        "en": "links to that site are not allowed here",
        "zh": "本社区不允许发布该网站的链接",
    },
    "safety.reason.invites": {
        "en": "invites to other servers or groups are not allowed here",
        "zh": "本社区不允许发布其他服务器或群组的邀请链接",
    },
    "safety.reason.mentions": {
        "en": "too many mentions in one message",
        "zh": "一条消息中提及的人过多",
    },
    "safety.reason.caps": {
        "en": "please don't write in all capitals",
        "zh": "请不要全部使用大写字母",
    },
    "safety.reason.repeated": {
        "en": "too many repeated characters",
        "zh": "重复字符过多",
    },
    "safety.reason.flood": {
        "en": "too many messages in a short time",
        "zh": "短时间内发送消息过多",
    },
    "safety.reason.duplicates": {
        "en": "the same message was posted in several channels",
        "zh": "同一条消息被发到了多个频道",
    },
    "safety.reason.newcomer": {
        "en": "new members can't post links or mass mentions yet",
        "zh": "新成员暂时不能发布链接或大量提及他人",
    },
    "safety.reason.spam": {
        "en": "it looks like spam",
        "zh": "疑似垃圾信息",
    },
    "safety.reason.category": {
        "en": "it may break the community rules ({category})",
        "zh": "可能违反社区规则（{category}）",
    },
    "safety.category.self_harm": {"en": "self-harm", "zh": "自我伤害"},
    "safety.category.medical_claims": {"en": "medical claims", "zh": "医疗声明"},
    "safety.category.financial_promises": {
        "en": "financial or investment promises",
        "zh": "金融或投资承诺",
    },
    "safety.category.scams": {"en": "scams", "zh": "诈骗"},
    "safety.category.hate": {"en": "hate", "zh": "仇恨言论"},
    "safety.category.harassment": {"en": "harassment", "zh": "骚扰"},
    "safety.category.sexual_content": {"en": "sexual content", "zh": "色情内容"},
    "safety.category.violence_threats": {"en": "violence or threats", "zh": "暴力或威胁"},
    "safety.category.personal_data": {"en": "personal data", "zh": "个人信息"},
    "safety.category.extremism": {"en": "extremism", "zh": "极端主义"},
    "safety.category.illegal_goods": {"en": "illegal goods", "zh": "违禁物品"},
    "safety.category.misinformation": {"en": "misinformation", "zh": "虚假信息"},
    # --- shared ---------------------------------------------------------------------------
    "safety.none": {"en": "none", "zh": "无"},
    "safety.unknown": {"en": "unknown", "zh": "未知"},
    "safety.no_reason": {"en": "no reason given", "zh": "未说明理由"},
    "safety.private_text": {
        "en": "[private: possible distress — handled by the care team, not shown here]",
        "zh": "[隐私内容：可能涉及心理困扰，由关怀团队处理，此处不显示]",
    },
    "safety.appeal_hint": {
        "en": "If you think this is a mistake, reply with /appeal {case} and your reason.",
        "zh": "如果你认为这是误判，请发送 /appeal {case} 并说明理由。",
    },
    "safety.member_not_found": {
        "en": "I can't find a member called {name} here. Use a mention, an id or the exact "
        "display name.",
        "zh": "在本社区找不到成员 {name}。请使用 @提及、成员 ID 或准确的昵称。",
    },
    "safety.error.bad_id": {
        "en": "{given} is not a case or strike number; use the number shown in /queue or "
        "/strikes, e.g. 12.",
        "zh": "{given} 不是有效的案件或警告编号；"
        "请使用 /queue 或 /strikes 中显示的编号，例如 12。",
    },
    # --- command summaries ----------------------------------------------------------------
    "safety.summary.queue": {
        "en": "Review queue: open cases, oldest first",
        "zh": "审核队列：待处理案件（最早的在前）",
    },
    "safety.summary.claim": {"en": "Claim a review case", "zh": "认领一个审核案件"},
    "safety.summary.review": {
        "en": "Decide a case: approve, remove, warn, timeout, ban, spam, notspam, escalate",
        "zh": "处理案件：通过、删除、警告、禁言、封禁、垃圾、非垃圾、升级",
    },
    "safety.summary.warn": {"en": "Warn a member (adds a strike)", "zh": "警告成员（记一次警告）"},
    "safety.summary.strikes": {"en": "Show strikes", "zh": "查看警告记录"},
    "safety.summary.pardon": {"en": "Pardon a strike", "zh": "撤销一次警告"},
    "safety.summary.audit": {"en": "Recent audit log", "zh": "最近的审计日志"},
    "safety.summary.appeal": {"en": "Appeal a moderation case", "zh": "对处理结果提出申诉"},
    "safety.summary.crisis": {
        "en": "Crisis playbook: open, status, step done, close, log",
        "zh": "危机预案：开启、状态、完成步骤、关闭、日志",
    },
    "safety.summary.postmortem": {
        "en": "Record a crisis postmortem (5 whys and actions)",
        "zh": "记录危机复盘（5 个为什么和改进行动）",
    },
    # --- buttons --------------------------------------------------------------------------
    "safety.button.claim": {"en": "Claim", "zh": "认领"},
    "safety.button.approve": {"en": "Approve", "zh": "通过"},
    "safety.button.remove": {"en": "Remove", "zh": "删除"},
    "safety.button.warn": {"en": "Warn", "zh": "警告"},
    "safety.button.timeout": {"en": "Timeout", "zh": "禁言"},
    "safety.button.ban": {"en": "Ban", "zh": "封禁"},
    "safety.button.spam": {"en": "Spam", "zh": "垃圾信息"},
    "safety.button.notspam": {"en": "Not spam", "zh": "非垃圾信息"},
    "safety.button.escalate": {"en": "Escalate", "zh": "升级"},
    "safety.button.grant": {"en": "Grant appeal", "zh": "接受申诉"},
    "safety.button.deny": {"en": "Deny appeal", "zh": "驳回申诉"},
    "safety.button.invalid": {
        "en": "This button is no longer valid.",
        "zh": "这个按钮已失效。",
    },
    # --- queue ----------------------------------------------------------------------------
    "safety.queue.usage": {
        "en": "Usage: /queue [N] with N from 1 to 50.",
        "zh": "用法：/queue [N]，N 为 1 到 50。",
    },
    "safety.queue.empty": {"en": "The review queue is empty.", "zh": "审核队列是空的。"},
    "safety.queue.header": {
        "en": "Review queue ({shown} of {total} open, oldest first):",
        "zh": "审核队列（共 {total} 件待处理，显示 {shown} 件，最早的在前）：",
    },
    "safety.queue.new": {"en": "New case for review:", "zh": "新的待审核案件："},
    "safety.queue.line": {
        "en": "#{id} · {age} ago · {member} in {channel} · {state}\n  rules: {rules} · "
        "action: {action} · {history}\n  “{text}”",
        "zh": "#{id} · {age} 前 · {member} 于 {channel} · {state}\n  规则：{rules} · "
        "已执行：{action} · {history}\n  “{text}”",
    },
    "safety.queue.appeal_line": {
        "en": "#{id} · appeal of case #{case} · {age} ago · {member} · {state}\n  original: "
        "{action} · rules: {rules} · {history}\n  appeal: “{text}”",
        "zh": "#{id} · 对案件 #{case} 的申诉 · {age} 前 · {member} · {state}\n  原处理：{action}"
        " · 规则：{rules} · {history}\n  申诉理由：“{text}”",
    },
    "safety.queue.history": {
        "en": "strikes {strikes}, member for {tenure}, stage {stage}, {messages} messages",
        "zh": "警告 {strikes} 次，入群 {tenure}，阶段 {stage}，发言 {messages} 条",
    },
    "safety.queue.claimed_by": {"en": "claimed by {name}", "zh": "已由 {name} 认领"},
    "safety.queue.escalated": {"en": "escalated (level {level})", "zh": "已升级（第 {level} 级）"},
    # --- claim / review -------------------------------------------------------------------
    "safety.claim.usage": {
        "en": "Usage: /claim ID (see /queue).",
        "zh": "用法：/claim 编号（见 /queue）。",
    },
    "safety.claim.done": {"en": "You claimed case #{id}.", "zh": "你已认领案件 #{id}。"},
    "safety.claim.yours": {"en": "Case #{id} is already yours.", "zh": "案件 #{id} 已由你认领。"},
    "safety.claim.taken": {
        "en": "Case #{id} is already claimed by {name}.",
        "zh": "案件 #{id} 已被 {name} 认领。",
    },
    "safety.item.not_found": {
        "en": "There is no case #{id} in this community.",
        "zh": "本社区没有案件 #{id}。",
    },
    "safety.item.already_decided": {
        "en": "Case #{id} was already decided ({decision} by {by}).",
        "zh": "案件 #{id} 已处理（{by}：{decision}）。",
    },
    "safety.review.usage": {
        "en": "Usage: /review ID ACTION [DURATION] [reason] — ACTION is approve, remove, warn, "
        "timeout [10m|1h|1d], ban, spam, notspam or escalate.",
        "zh": "用法：/review 编号 操作 [时长] [理由] —— 操作为 approve、remove、warn、timeout "
        "[10m|1h|1d]、ban、spam、notspam 或 escalate。",
    },
    "safety.review.bad_action": {
        "en": "Unknown action {given}; use one of: {actions}.",
        "zh": "未知操作 {given}；可用：{actions}。",
    },
    "safety.review.timeout_too_long": {
        "en": "Timeouts can be at most 28 days (28d).",
        "zh": "禁言最长 28 天（28d）。",
    },
    "safety.review.done": {
        "en": "Case #{id} decided: {decision} ({name}).",
        "zh": "案件 #{id} 已处理：{decision}（{name}）。",
    },
    "safety.review.reply": {"en": "{done} {extra}", "zh": "{done}{extra}"},
    "safety.review.strike": {
        "en": "Strike {count} of {max}.",
        "zh": "第 {count} 次警告（共 {max} 次）。",
    },
    "safety.reposted": {
        "en": "{name} wrote (approved by the moderators): {text}",
        "zh": "{name} 写道（已由版主审核通过）：{text}",
    },
    "safety.decision.approve": {"en": "approved", "zh": "通过"},
    "safety.decision.remove": {"en": "removed", "zh": "删除"},
    "safety.decision.warn": {"en": "warned", "zh": "警告"},
    "safety.decision.timeout": {"en": "timed out", "zh": "禁言"},
    "safety.decision.ban": {"en": "banned", "zh": "封禁"},
    "safety.decision.spam": {"en": "spam", "zh": "垃圾信息"},
    "safety.decision.notspam": {"en": "not spam", "zh": "非垃圾信息"},
    "safety.decision.escalate": {"en": "escalated", "zh": "升级"},
    # --- escalation (line 3) --------------------------------------------------------------
    "safety.escalation.post": {
        "en": "Escalation level {level} for case #{id}: {why}",
        "zh": "案件 #{id} 升级至第 {level} 级：{why}",
    },
    "safety.escalation.by": {"en": "escalated by {name}", "zh": "由 {name} 升级"},
    "safety.escalation.done": {
        "en": "Case #{id} escalated to the experts (level {level}).",
        "zh": "案件 #{id} 已升级给专家（第 {level} 级）。",
    },
    "safety.sla.reason.acknowledge": {
        "en": "nobody claimed it within the acknowledge deadline",
        "zh": "在确认时限内无人认领",
    },
    "safety.sla.reason.assessment": {
        "en": "still unclaimed at the assessment deadline",
        "zh": "到评估时限仍无人认领",
    },
    "safety.sla.reason.statement": {
        "en": "still unclaimed at the public-statement deadline",
        "zh": "到公开声明时限仍无人认领",
    },
    "safety.sla.reason.remediation": {
        "en": "still undecided at the remediation deadline",
        "zh": "到整改时限仍未处理",
    },
    # --- strikes --------------------------------------------------------------------------
    "safety.warn.usage": {
        "en": "Usage: /warn MEMBER REASON",
        "zh": "用法：/warn 成员 理由",
    },
    "safety.warn.done": {
        "en": "Warned {name}: strike {count} of {max} (case #{case}).",
        "zh": "已警告 {name}：第 {count} 次警告，共 {max} 次（案件 #{case}）。",
    },
    "safety.strikes.none": {"en": "{name} has no strikes.", "zh": "{name} 没有警告记录。"},
    "safety.strikes.header": {
        "en": "Strikes of {name}: {count} active of {max}.",
        "zh": "{name} 的警告：有效 {count} 次（共 {max} 次）。",
    },
    "safety.strikes.line": {
        "en": "#{id} · {date} · {reason} · case #{case} · {state}",
        "zh": "#{id} · {date} · {reason} · 案件 #{case} · {state}",
    },
    "safety.strikes.pardoned": {"en": "pardoned", "zh": "已撤销"},
    "safety.strikes.expired": {"en": "expired", "zh": "已过期"},
    "safety.strikes.active_until": {"en": "active until {date}", "zh": "有效至 {date}"},
    "safety.pardon.usage": {
        "en": "Usage: /pardon STRIKE_ID [reason] (ids are shown by /strikes).",
        "zh": "用法：/pardon 警告编号 [理由]（编号见 /strikes）。",
    },
    "safety.pardon.not_found": {
        "en": "There is no strike #{id} in this community.",
        "zh": "本社区没有警告 #{id}。",
    },
    "safety.pardon.already": {
        "en": "Strike #{id} was already pardoned.",
        "zh": "警告 #{id} 已被撤销。",
    },
    "safety.pardon.done": {
        "en": "Strike #{id} of {name} pardoned; {count} still active.",
        "zh": "已撤销 {name} 的警告 #{id}；仍有 {count} 次有效。",
    },
    "safety.pardon.notice": {
        "en": "A moderator pardoned one of your strikes. Active strikes: {count} of {max}.",
        "zh": "版主撤销了你的一次警告。当前有效警告：{count} 次（共 {max} 次）。",
    },
    # --- audit ----------------------------------------------------------------------------
    "safety.audit.usage": {
        "en": "Usage: /audit [N] with N from 1 to {max}.",
        "zh": "用法：/audit [N]，N 为 1 到 {max}。",
    },
    "safety.audit.empty": {"en": "The audit log is empty.", "zh": "审计日志为空。"},
    "safety.audit.header": {
        "en": "Last {count} audit entries (newest first):",
        "zh": "最近 {count} 条审计记录（最新的在前）：",
    },
    "safety.audit.line": {
        "en": "#{id} {at} · {actor} · {action} · {target} · {reason} · evidence {hash}",
        "zh": "#{id} {at} · {actor} · {action} · {target} · {reason} · 证据 {hash}",
    },
    # --- appeals --------------------------------------------------------------------------
    "safety.appeal.usage": {
        "en": "Usage: /appeal CASE_ID why you think the decision was wrong",
        "zh": "用法：/appeal 案件编号 你认为处理有误的理由",
    },
    "safety.appeal.too_long": {
        "en": "Please keep your appeal under {max} characters.",
        "zh": "申诉请少于 {max} 个字符。",
    },
    "safety.appeal.no_case": {
        "en": "Case #{case} is not one of your cases in this community.",
        "zh": "案件 #{case} 不是你在本社区的案件。",
    },
    "safety.appeal.pending": {
        "en": "Case #{case} is still being reviewed; you can appeal once it is decided.",
        "zh": "案件 #{case} 仍在审核中；处理完成后才能申诉。",
    },
    "safety.appeal.nothing": {
        "en": "Case #{case} was decided in your favour; there is nothing to appeal.",
        "zh": "案件 #{case} 的处理结果对你有利，无需申诉。",
    },
    "safety.appeal.already": {
        "en": "You already appealed case #{case}; each case can be appealed once.",
        "zh": "你已经对案件 #{case} 提出过申诉；每个案件只能申诉一次。",
    },
    "safety.appeal.received": {
        "en": "Your appeal of case #{case} was received (appeal #{id}). A moderator will "
        "look at it and you will get the outcome by direct message.",
        "zh": "已收到你对案件 #{case} 的申诉（申诉 #{id}）。"
        "版主会进行审核，结果将通过私信通知你。",
    },
    "safety.appeal.bad_action": {
        "en": "Appeals are decided with {actions}; {given} does not apply.",
        "zh": "申诉可用的操作为 {actions}；{given} 不适用。",
    },
    "safety.appeal.granted": {
        "en": "Your appeal of case #{case} was granted: the strike is removed. ({reason})",
        "zh": "你对案件 #{case} 的申诉已被接受：相应警告已撤销。（{reason}）",
    },
    "safety.appeal.denied": {
        "en": "Your appeal of case #{case} was denied: the decision stands. ({reason})",
        "zh": "你对案件 #{case} 的申诉被驳回：原处理维持不变。（{reason}）",
    },
    "safety.appeal.decided": {
        "en": "Appeal #{id} (case #{case}) {outcome}; {pardoned} strike(s) pardoned. The "
        "member has been told.",
        "zh": "申诉 #{id}（案件 #{case}）{outcome}；撤销警告 {pardoned} 次。已通知该成员。",
    },
    "safety.appeal.outcome.granted": {"en": "granted", "zh": "已接受"},
    "safety.appeal.outcome.denied": {"en": "denied", "zh": "已驳回"},
    # --- crisis playbooks -----------------------------------------------------------------
    "safety.crisis.usage": {
        "en": "Usage: /crisis open TITLE | /crisis status TEXT | /crisis step done STEP | "
        "/crisis close | /crisis log [#ID]",
        "zh": "用法：/crisis open 标题 | /crisis status 内容 | /crisis step done 步骤 | "
        "/crisis close | /crisis log [#编号]",
    },
    "safety.crisis.bad_step": {
        "en": "Unknown step {given}; steps are: {steps}.",
        "zh": "未知步骤 {given}；可用步骤：{steps}。",
    },
    "safety.crisis.step.acknowledge": {"en": "acknowledge", "zh": "确认"},
    "safety.crisis.step.assessment": {"en": "assessment", "zh": "评估"},
    "safety.crisis.step.statement": {"en": "first public statement", "zh": "首次公开声明"},
    "safety.crisis.step.remediation": {"en": "remediation plan", "zh": "整改方案"},
    "safety.crisis.step_due": {"en": "{step} by {due}", "zh": "{step}：{due} 前"},
    "safety.crisis.opened": {
        "en": "Crisis #{id} opened: {title}. Deadlines: {steps}.",
        "zh": "危机 #{id} 已开启：{title}。时限：{steps}。",
    },
    "safety.crisis.opened_reply": {
        "en": "Crisis #{id} is open. Deadlines: {steps}. Post updates with /crisis status, "
        "finish steps with /crisis step done STEP.",
        "zh": "危机 #{id} 已开启。时限：{steps}。用 /crisis status 发布进展，用 /crisis step "
        "done 步骤 标记完成。",
    },
    "safety.crisis.none_open": {
        "en": "There is no open crisis. Start one with /crisis open TITLE.",
        "zh": "当前没有进行中的危机。用 /crisis open 标题 开启。",
    },
    "safety.crisis.not_found": {
        "en": "No such crisis in this community.",
        "zh": "本社区没有这个危机记录。",
    },
    "safety.crisis.status_post": {
        "en": "Crisis #{id} ({title}) update from {name}: {text}",
        "zh": "危机 #{id}（{title}）进展，来自 {name}：{text}",
    },
    "safety.crisis.status_saved": {
        "en": "Update logged for crisis #{id}.",
        "zh": "已记录危机 #{id} 的进展。",
    },
    "safety.crisis.step_already": {
        "en": "The step {step} is already done.",
        "zh": "步骤“{step}”已完成。",
    },
    "safety.crisis.step_done": {
        "en": "Step {step} marked done.",
        "zh": "步骤“{step}”已标记完成。",
    },
    "safety.crisis.step_done_post": {
        "en": "Crisis #{id}: {step} done ({name}).",
        "zh": "危机 #{id}：“{step}”已完成（{name}）。",
    },
    "safety.crisis.reminder": {
        "en": "Crisis #{id} ({title}): the step {step} was due at {due} and is not done "
        "(reminder {page} of {pages}).",
        "zh": "危机 #{id}（{title}）：步骤“{step}”应在 {due} 前完成，目前尚未完成（提醒 "
        "{page}/{pages}）。",
    },
    "safety.crisis.closed": {
        "en": "Crisis #{id} closed. Please record the postmortem: /postmortem why: … | why: … "
        "| action: what to improve @owner",
        "zh": "危机 #{id} 已关闭。请记录复盘：/postmortem why: … | why: … | action: 改进措施 "
        "@负责人",
    },
    "safety.crisis.closed_post": {
        "en": "Crisis #{id} ({title}) is closed. A postmortem follows.",
        "zh": "危机 #{id}（{title}）已关闭，稍后发布复盘。",
    },
    "safety.crisis.status.open": {"en": "open", "zh": "进行中"},
    "safety.crisis.status.closed": {"en": "closed", "zh": "已关闭"},
    "safety.crisis.log.header": {
        "en": "Crisis #{id}: {title} ({status})",
        "zh": "危机 #{id}：{title}（{status}）",
    },
    "safety.crisis.log.opened": {"en": "opened by {name}", "zh": "由 {name} 开启"},
    "safety.crisis.log.step_done": {
        "en": "{step} done by {name} (due {due})",
        "zh": "“{step}”由 {name} 完成（时限 {due}）",
    },
    "safety.crisis.log.step_late": {
        "en": "{step} done late by {name} (due {due})",
        "zh": "“{step}”由 {name} 超时完成（时限 {due}）",
    },
    "safety.crisis.log.step_overdue": {
        "en": "{step} overdue (due {due})",
        "zh": "“{step}”已超时（时限 {due}）",
    },
    "safety.crisis.log.step_pending": {
        "en": "{step} due {due}",
        "zh": "“{step}”时限 {due}",
    },
    "safety.crisis.log.update": {
        "en": "update from {name}: {text}",
        "zh": "{name} 的进展：{text}",
    },
    "safety.crisis.log.closed": {"en": "closed by {name}", "zh": "由 {name} 关闭"},
    "safety.crisis.log.postmortem": {"en": "Postmortem:", "zh": "复盘："},
    "safety.crisis.log.why": {"en": "  why {n}: {text}", "zh": "  为什么 {n}：{text}"},
    "safety.crisis.log.action": {
        "en": "  action: {text} (owner {owner})",
        "zh": "  改进行动：{text}（负责人 {owner}）",
    },
    "safety.crisis.log.no_postmortem": {
        "en": "No postmortem yet: record it with /postmortem.",
        "zh": "尚未复盘：请用 /postmortem 记录。",
    },
    "safety.postmortem.usage": {
        "en": "Usage: /postmortem [#ID] why: … | why: … | action: what to improve @owner — one "
        "to five whys and at least one action with its owner.",
        "zh": "用法：/postmortem [#编号] why: … | why: … | action: 改进措施 @负责人 —— 一到五个"
        "“为什么”，至少一个带负责人的改进行动。",
    },
    "safety.postmortem.bad_part": {
        "en": "I can't read “{part}”: every part starts with why: or action:, separated by |.",
        "zh": "无法理解“{part}”：每一部分都应以 why: 或 action: 开头，用 | 分隔。",
    },
    "safety.postmortem.action_owner": {
        "en": "The action “{action}” needs an owner at the end, e.g. @alice.",
        "zh": "改进行动“{action}”需要在末尾写明负责人，例如 @alice。",
    },
    "safety.postmortem.too_many_whys": {
        "en": "{count} whys given; a 5-Why postmortem has at most {max}.",
        "zh": "给出了 {count} 个“为什么”；5-Why 复盘最多 {max} 个。",
    },
    "safety.postmortem.need_action": {
        "en": "Add at least one improvement action with its owner: action: … @owner",
        "zh": "请至少添加一个带负责人的改进行动：action: … @负责人",
    },
    "safety.postmortem.too_many_actions": {
        "en": "At most {max} improvement actions, please.",
        "zh": "改进行动最多 {max} 个。",
    },
    "safety.postmortem.close_first": {
        "en": "Crisis #{id} is still open; close it with /crisis close first.",
        "zh": "危机 #{id} 仍在进行中；请先用 /crisis close 关闭。",
    },
    "safety.postmortem.exists": {
        "en": "Crisis #{id} already has a postmortem.",
        "zh": "危机 #{id} 已有复盘记录。",
    },
    "safety.postmortem.saved": {
        "en": "Postmortem of crisis #{id} saved: {whys} whys, {actions} actions.",
        "zh": "危机 #{id} 的复盘已保存：{whys} 个为什么，{actions} 个改进行动。",
    },
    "safety.postmortem.post": {
        "en": "Postmortem of crisis #{id} ({title}): {whys} whys, {actions} improvement actions "
        "(owners: {owners}). See /crisis log #{id}.",
        "zh": "危机 #{id}（{title}）复盘：{whys} 个为什么，{actions} 个改进行动"
        "（负责人：{owners}）。"
        "详见 /crisis log #{id}。",
    },
}
