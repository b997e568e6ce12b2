"""Feelings: tone variants of common replies, distress support, on-call pages, mood alerts.

Tone variants are keyed ``tone.<reply>.<tone>`` (see ``domain.sentiment.TONED_REPLIES`` and
``TONE_FIELDS``): ``cheerful`` may celebrate, ``neutral`` is plain, ``gentle`` is short and
warm with no exclamation marks or confetti, for a member whose recent posts were sad or upset.

Privacy: pages to on-call and the audit trail carry a case id and a link, never the member's
words; the distress DM goes to the member only.
"""

MESSAGES: dict[str, dict[str, str]] = {
    # ---- welcome ----------------------------------------------------------------------
    "tone.welcome.cheerful": {
        "en": "Welcome aboard, {name}! 🎉 So glad you're here — say hi and tell us what "
        "brings you in!",
        "zh": "欢迎加入，{name}！🎉 很高兴见到你——来打个招呼，说说你为什么来这里吧！",
    },
    "tone.welcome.neutral": {
        "en": "Welcome, {name}. Say hello and tell us what brings you here.",
        "zh": "欢迎，{name}。打个招呼，说说你为什么来这里吧。",
    },
    "tone.welcome.gentle": {
        "en": "Welcome, {name}. Glad you found us — take your time.",
        "zh": "欢迎你，{name}。很高兴你来了，慢慢来就好。",
    },
    # ---- stage-up congratulations ---------------------------------------------------------
    "tone.stage_up.cheerful": {
        "en": "🎉 Congratulations, {name}! You've reached {stage}. Keep it up! ✨",
        "zh": "🎉 恭喜 {name}！你已升到「{stage}」，继续加油！✨",
    },
    "tone.stage_up.neutral": {
        "en": "Congratulations, {name}: you've reached {stage}.",
        "zh": "恭喜 {name}：你已升到「{stage}」。",
    },
    "tone.stage_up.gentle": {
        "en": "{name}, you've reached {stage}. Thank you for being here.",
        "zh": "{name}，你已升到「{stage}」。谢谢你一直在这里。",
    },
    # ---- rank reply -----------------------------------------------------------------------
    "tone.rank.cheerful": {
        "en": "{name}, you're #{rank} with {points} points — nice work! 🚀",
        "zh": "{name}，你目前排名第 {rank}，共 {points} 分——太棒了！🚀",
    },
    "tone.rank.neutral": {
        "en": "{name}: rank #{rank}, {points} points.",
        "zh": "{name}：排名第 {rank}，{points} 分。",
    },
    "tone.rank.gentle": {
        "en": "{name}, you're #{rank} with {points} points.",
        "zh": "{name}，你排名第 {rank}，共 {points} 分。",
    },
    # ---- reminders ------------------------------------------------------------------------
    "tone.reminder.cheerful": {
        "en": "⏰ Hey {name}! Friendly reminder: {text}",
        "zh": "⏰ 嗨 {name}！提醒你一下：{text}",
    },
    "tone.reminder.neutral": {
        "en": "Reminder for {name}: {text}",
        "zh": "{name} 的提醒：{text}",
    },
    "tone.reminder.gentle": {
        "en": "{name}, a gentle reminder: {text}",
        "zh": "{name}，轻轻提醒一下：{text}",
    },
    # ---- moderation notice (never celebratory; the cheerful variant is just friendly) ------
    "tone.moderation_notice.cheerful": {
        "en": "Hi {name}, a quick heads-up from the moderators: {reason}. Thanks for "
        "helping keep this place friendly!",
        "zh": "{name} 你好，版主提醒：{reason}。谢谢你一起维护友好的氛围！",
    },
    "tone.moderation_notice.neutral": {
        "en": "{name}, a note from the moderators: {reason}.",
        "zh": "{name}，版主提示：{reason}。",
    },
    "tone.moderation_notice.gentle": {
        "en": "{name}, a quiet note from the moderators: {reason}. If something is wrong, "
        "you can reach us any time.",
        "zh": "{name}，版主轻声提醒：{reason}。如果遇到了什么困难，随时可以找我们。",
    },
    # ---- distress: private message to the member ---------------------------------------------
    "feelings.distress.dm": {
        "en": "Hi {name}, it sounds like things might be really hard right now. You don't "
        "have to go through it alone.\n\n{support_text}\n\n{helplines}\n\nIf you are in "
        "immediate danger, please call your local emergency number.",
        "zh": "{name}，你好。听起来你现在可能很难受。你不必一个人扛着。\n\n{support_text}\n\n"
        "{helplines}\n\n如果你正处于紧急危险中，请立即拨打当地的急救电话。",
    },
    "feelings.distress.support_default": {
        "en": "Someone from our support team will reach out to you privately. If you'd like "
        "to talk, just reply here.",
        "zh": "我们的支持团队会私下联系你。如果你想聊聊，直接回复这条消息就好。",
    },
    "feelings.distress.helplines_header": {
        "en": "People you can talk to right now:",
        "zh": "现在就可以联系的求助热线：",
    },
    "feelings.distress.helplines_none": {
        "en": "To find a free, confidential helpline in your country, visit "
        "https://findahelpline.com.",
        "zh": "可以在 https://findahelpline.com 查找你所在地区免费、保密的求助热线。",
    },
    # ---- distress: pages to the on-call support role (no message content) ---------------------
    "feelings.distress.page": {
        "en": "{role} Support case {case_id} opened: a member may need help. Message: "
        "{link}. Please acknowledge within {sla_minutes} minutes.",
        "zh": "{role} 已开启支持工单 {case_id}：有成员可能需要帮助。消息链接：{link}。"
        "请在 {sla_minutes} 分钟内确认。",
    },
    "feelings.distress.repage": {
        "en": "{role} Support case {case_id} is still unacknowledged after {minutes} minutes "
        "(page {page}). Message: {link}.",
        "zh": "{role} 支持工单 {case_id} 已 {minutes} 分钟未被确认（第 {page} 次呼叫）。"
        "消息链接：{link}。",
    },
    "feelings.distress.escalate": {
        "en": "{role} Escalation: support case {case_id} has not been acknowledged for "
        "{minutes} minutes. Message: {link}.",
        "zh": "{role} 升级通知：支持工单 {case_id} 已 {minutes} 分钟未被确认。消息链接：{link}。",
    },
    "feelings.distress.acknowledged": {
        "en": "Support case {case_id} acknowledged by {by} after {minutes} minutes.",
        "zh": "支持工单 {case_id} 已由 {by} 确认，用时 {minutes} 分钟。",
    },
    "feelings.distress.ack_button": {"en": "Acknowledge", "zh": "确认接手"},
    "feelings.distress.no_dm": {
        "en": "(The member was not messaged again: they got the support message less than "
        "{hours} hours ago.)",
        "zh": "（未再次私信该成员：{hours} 小时内已发送过支持信息。）",
    },
    "feelings.distress.exhausted": {
        "en": "{role} Support case {case_id} has waited {minutes} minutes without an "
        "acknowledgement. This was the last automatic page — please pick it up: {link}",
        "zh": "{role} 支持工单 {case_id} 已等待 {minutes} 分钟仍未被确认。这是最后一次自动呼叫，"
        "请尽快接手：{link}",
    },
    # ---- support cases: /mod cases, /mod case ID ack|close|show (support role only) ----------
    "feelings.case.status.open": {"en": "open", "zh": "待确认"},
    "feelings.case.status.acknowledged": {"en": "acknowledged", "zh": "已确认"},
    "feelings.case.status.closed": {"en": "closed", "zh": "已关闭"},
    "feelings.cases.none": {
        "en": "No open support cases.",
        "zh": "目前没有未关闭的支持工单。",
    },
    "feelings.cases.header": {
        "en": "Open support cases ({count}):",
        "zh": "未关闭的支持工单（{count} 个）：",
    },
    "feelings.cases.line": {
        "en": "#{case_id} · {status} · opened {minutes} min ago · {member} · pages: {pages} · "
        "{link}",
        "zh": "#{case_id} · {status} · {minutes} 分钟前开启 · {member} · 呼叫次数：{pages} · "
        "{link}",
    },
    "feelings.case.detail": {
        "en": "Case #{case_id} ({status}): member {member}, opened {minutes} min ago, "
        "pages: {pages}, escalation level {level}, acknowledged by: {by}. Message: {link}",
        "zh": "工单 #{case_id}（{status}）：成员 {member}，{minutes} 分钟前开启，"
        "呼叫次数：{pages}，"
        "升级级别 {level}，确认人：{by}。消息链接：{link}",
    },
    "feelings.case.nobody": {"en": "nobody yet", "zh": "暂无"},
    "feelings.case.usage": {
        "en": "Usage: /case NUMBER [ack|close|show] — {problem}.",
        "zh": "用法：/case 工单号 [ack|close|show]（确认／关闭／查看）——{problem}。",
    },
    "feelings.case.not_found": {
        "en": "There is no support case #{case_id} in this community.",
        "zh": "本社区没有编号为 #{case_id} 的支持工单。",
    },
    "feelings.case.already_acknowledged": {
        "en": "Support case {case_id} was already acknowledged by {by}.",
        "zh": "支持工单 {case_id} 已由 {by} 确认。",
    },
    "feelings.case.already_closed": {
        "en": "Support case {case_id} is already closed.",
        "zh": "支持工单 {case_id} 已经关闭。",
    },
    "feelings.case.closed": {
        "en": "Support case {case_id} closed by {by}.",
        "zh": "支持工单 {case_id} 已由 {by} 关闭。",
    },
    "feelings.case.not_allowed": {
        "en": "Only the support team ({role}) can see or change support cases.",
        "zh": "只有支持团队（{role}）可以查看或处理支持工单。",
    },
    # ---- channel mood ---------------------------------------------------------------------
    "feelings.mood.alert": {
        "en": "Heads-up: the mood in {channel} dropped sharply (from {before} to {now}) while "
        "messages sped up ({rate_before}/min → {rate_now}/min). Messages driving it: {links}",
        "zh": "提醒：{channel} 的情绪明显下降（从 {before} 降到 {now}），同时消息变快"
        "（每分钟 {rate_before} 条 → {rate_now} 条）。主要相关消息：{links}",
    },
    "feelings.mood.slowmode_on": {
        "en": "Slow mode ({seconds}s) is on in {channel} for {minutes} minutes.",
        "zh": "{channel} 已开启慢速模式（{seconds} 秒），持续 {minutes} 分钟。",
    },
    "feelings.mood.slowmode_off": {
        "en": "Slow mode in {channel} has ended.",
        "zh": "{channel} 的慢速模式已结束。",
    },
    # ---- frustrated, unanswered question (tone variants; gentle is the usual one) -----------
    "feelings.question.ack": {
        "en": "Sorry this has been a pain, {name} — your question hasn't been forgotten. "
        "I've asked our helpers to take a look.",
        "zh": "{name}，抱歉让你久等了，你的问题没有被忽略。我已经请帮助团队来看看。",
    },
    "tone.question_ack.cheerful": {
        "en": "Hey {name}, your question hasn't been forgotten! I've asked our helpers to "
        "jump in.",
        "zh": "{name}，你的问题没有被忘记！我已经请帮助团队来看看啦。",
    },
    "tone.question_ack.neutral": {
        "en": "{name}, your question is still open — I've asked our helpers to take a look.",
        "zh": "{name}，你的问题还没有人回答，我已经请帮助团队来看看。",
    },
    "tone.question_ack.gentle": {
        "en": "Sorry this has been a pain, {name} — your question hasn't been forgotten. "
        "I've asked our helpers to take a look.",
        "zh": "{name}，抱歉让你久等了，你的问题没有被忽略。我已经请帮助团队来看看。",
    },
    "feelings.question.helper_ping": {
        "en": "{role} A question has been waiting {minutes} minutes without an answer: {link}",
        "zh": "{role} 有一个问题已等待 {minutes} 分钟仍未得到回答：{link}",
    },
}
