"""Core replies: unknown commands, permissions, argument errors."""

MESSAGES: dict[str, dict[str, str]] = {
    "core.unknown_command": {
        "en": "I don't know the command /{name}. Try /help.",
        "zh": "我不认识命令 /{name}。试试 /help。",
    },
    "core.not_allowed": {
        "en": "/{name} is for {role}s only.",
        "zh": "/{name} 仅限{role}使用。",
    },
    "core.feature_disabled": {
        "en": "{feature} is turned off in this community.",
        "zh": "本社区未开启{feature}功能。",
    },
    "core.bad_arguments": {
        "en": "Sorry, I couldn't read that: {problem}. Example: {example}",
        "zh": "抱歉，无法理解：{problem}。示例：{example}",
    },
    "core.error": {
        "en": "Something went wrong handling /{name}; the team has been told.",
        "zh": "处理 /{name} 时出错，已通知管理团队。",
    },
    "core.help": {
        "en": "Commands: {commands}",
        "zh": "可用命令：{commands}",
    },
    "core.role.member": {"en": "member", "zh": "成员"},
    "core.role.moderator": {"en": "moderator", "zh": "版主"},
    "core.role.admin": {"en": "admin", "zh": "管理员"},
    "core.role.expert": {"en": "expert", "zh": "专家"},
    "core.welcome": {
        "en": "Welcome, {name}! Say hello and tell us what brings you here.",
        "zh": "欢迎 {name}！打个招呼，说说你为什么来这里吧。",
    },
}
