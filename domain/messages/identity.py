"""Member-facing strings of identity linking (/link, /unlink)."""

MESSAGES: dict[str, dict[str, str]] = {
    "identity.summary.link": {
        "en": "Link your Discord and Telegram accounts",
        "zh": "关联你的 Discord 和 Telegram 账号",
    },
    "identity.summary.unlink": {
        "en": "Undo a member's account link",
        "zh": "解除某成员的账号关联",
    },
    "identity.code": {
        "en": "Your link code is {code}. Within {minutes} minutes, send /link {code} from "
        "your account on the other platform (Discord or Telegram), in a community that uses "
        "Hearth. Don't share this code.",
        "zh": "你的关联码是 {code}。请在 {minutes} 分钟内，用你在另一个平台（Discord 或 "
        "Telegram）的账号，在使用 Hearth 的社区里发送 /link {code}。请勿把关联码告诉他人。",
    },
    "identity.code_sent_privately": {
        "en": "I've sent your link code in a private message. Nothing arrived? Start a "
        "private chat with me (press Start), then send /link here again.",
        "zh": "关联码已通过私信发给你。没收到？请先和我开始私聊（点击“开始”），"
        "然后在这里重新发送 /link。",
    },
    "identity.linked": {
        "en": "Linked: this account and your {platform} account {name} are now one member "
        "identity.",
        "zh": "关联成功：此账号与你的 {platform} 账号 {name} 现在是同一个成员身份。",
    },
    "identity.already_linked": {
        "en": "This account is already linked with your {platform} account {name}.",
        "zh": "此账号已经与你的 {platform} 账号 {name} 关联。",
    },
    "identity.unknown": {
        "en": "There is no link code {code} (or it was already used). Send /link from your "
        "other account to get a new one.",
        "zh": "关联码 {code} 不存在（或已被使用）。请用你的另一个账号发送 /link 获取新的关联码。",
    },
    "identity.expired": {
        "en": "Link code {code} has expired (codes last {minutes} minutes). Send /link from "
        "your other account to get a new one.",
        "zh": "关联码 {code} 已过期（有效期 {minutes} 分钟）。"
        "请用你的另一个账号发送 /link 获取新的关联码。",
    },
    "identity.own": {
        "en": "That is this account's own link code. Enter it from your account on the "
        "other platform instead.",
        "zh": "这是此账号自己的关联码。请在另一个平台的账号上输入它。",
    },
    "identity.same_platform": {
        "en": "That link code belongs to another {platform} account. Codes join accounts on "
        "different platforms: get the code on one platform and enter it on the other.",
        "zh": "该关联码属于另一个 {platform} 账号。关联码用于关联不同平台的账号："
        "在一个平台获取，在另一个平台输入。",
    },
    "identity.code_cancelled": {
        "en": "Everyone here can read it now, so I cancelled that code; its owner can send "
        "/link for a new one.",
        "zh": "这里的所有人都能看到它，所以该关联码已作废；其主人可以发送 /link 获取新的关联码。",
    },
    "identity.malformed": {
        "en": "“{given}” is not a link code: codes are {length} letters and digits, like "
        "{example}. Send /link without anything after it to get yours.",
        "zh": "“{given}”不是有效的关联码：关联码由 {length} 个字母和数字组成，例如 {example}。"
        "只发送 /link 即可获取你的关联码。",
    },
    "identity.too_many_attempts": {
        "en": "Too many wrong link codes. Wait {minutes} minutes, then try again.",
        "zh": "输错关联码的次数过多。请等待 {minutes} 分钟后再试。",
    },
    "identity.unlink_usage": {
        "en": "Say whose link to undo, e.g. /unlink @name or /unlink dc:1234.",
        "zh": "请指定要解除关联的成员，例如 /unlink @名字 或 /unlink dc:1234。",
    },
    "identity.member_not_found": {
        "en": "I can't find a member “{name}” in this community.",
        "zh": "在本社区找不到成员“{name}”。",
    },
    "identity.not_linked": {
        "en": "{name} has no linked accounts.",
        "zh": "{name} 没有关联的账号。",
    },
    "identity.unlinked": {
        "en": "{name} is no longer linked with other accounts.",
        "zh": "已解除 {name} 与其他账号的关联。",
    },
    "identity.platform.discord": {"en": "Discord", "zh": "Discord"},
    "identity.platform.telegram": {"en": "Telegram", "zh": "Telegram"},
    "identity.platform.console": {"en": "console", "zh": "控制台"},
}
