/**
 * The English messages: the reference catalogue. Every other language is typed against its keys
 * (`Messages`), so tsc fails on a missing or unknown key; test/core/i18n.test.ts also checks that each
 * translation uses exactly the same `{placeholders}`. A key ending in `.one` / `.other` (and any other
 * CLDR plural category a language needs) is a plural, chosen by `tn` through Intl.PluralRules.
 */
export const en = {
  // The email (templates/digest.mjml through render.ts) and its plain-text part.
  "email.viewInBrowser": "View this email in your browser",
  "email.readMoreAt": "Read more at {source}",
  "email.readFullStory": "Read the full story",
  "email.moreStories.one": "{count} more story today",
  "email.moreStories.other": "{count} more stories today",
  "email.whySubscribed": "You are receiving this because you subscribed to {brand}.",
  "email.managePreferences": "Manage preferences",
  "email.unsubscribe": "Unsubscribe",
  "email.trackingOpensAndClicks": "We count opens and clicks to learn what readers like.",
  "email.trackingOpens": "We count opens to learn what readers like.",
  "email.trackingClicks": "We count link clicks to learn what readers like.",
  "email.preheader": "Also today: {next}",
  "email.stories.one": "{count} story",
  "email.stories.other": "{count} stories",
  "text.viewInBrowser": "View in your browser: {url}",
  "text.readMore": "Read more: {url}",
  "text.more": "{label}: {url}",
  "text.managePreferences": "Manage preferences: {url}",
  "text.unsubscribe": "Unsubscribe: {url}",

  // The frame of every public page (pages/layout.ts).
  "page.feedTitle": "{brand}: past editions",

  // Form fields (pages/form-fields.ts).
  "form.checkTheForm": "Please check the form",
  "form.email": "Email address",
  "form.name": "Name",
  "form.optional": "(optional)",
  "form.sections": "Sections",
  "form.sectionsTypedHint": "Separate names with commas. Leave empty to get every section.",
  "form.sectionsHint":
    "Untick what you don't want to read. All ticked means every section, including new ones.",
  "form.timezone": "Time zone",
  "form.timezoneDefault": "No preference (the edition follows {zone})",
  "form.timezoneHint": "Where you read the digest.",
  "form.deliveryHour": "Delivery time",
  "form.deliveryHourDefault": "The usual time ({time})",
  "form.deliveryHourHint": "When the digest arrives, in your time zone.",
  "form.language": "Language",
  "form.languageHint": "The language of the digest and of these pages.",

  // Sign-up (pages/subscribe.ts).
  "subscribe.title": "Subscribe to {brand}",
  "subscribe.intro":
    "One email a day with the day's stories. We'll send you a link to confirm your address first.",
  "subscribe.button": "Subscribe",
  "subscribe.anyTime":
    "You can unsubscribe or change what you get at any time, with the links in every email.",
  "checkInbox.title": "Check your inbox",
  "checkInbox.sent":
    "If the address you entered can receive {brand}, an email is on its way to it. Open it and follow the link inside to confirm your subscription.",
  "checkInbox.validity": "The link works for {days} days. Nothing arrived? Look in your spam folder, or",
  "checkInbox.tryAgain": "try again",
  "rateLimited.title": "Please wait a little",
  "rateLimited.body.one":
    "We have already sent several emails to this address today, so we won't send another one yet. Look for the latest one in your inbox (and your spam folder), or try again in about {count} hour.",
  "rateLimited.body.other":
    "We have already sent several emails to this address today, so we won't send another one yet. Look for the latest one in your inbox (and your spam folder), or try again in about {count} hours.",

  // Confirmation (pages/confirm.ts).
  "confirm.title": "You're subscribed",
  "confirm.already": "Your subscription to {brand} was already confirmed. Nothing more to do.",
  "confirm.thanks": "Thank you for confirming. {brand} will arrive in your inbox with the next edition.",
  "confirm.preferencesLink": "Choose your sections, time zone or a pause",
  "confirm.whenever": "whenever you like.",
  "confirmGone.expiredTitle": "This link has expired",
  "confirmGone.goneTitle": "This link is no longer valid",
  "confirmGone.expired": "Confirmation links work for {days} days, and this one is older.",
  "confirmGone.gone": "This sign-up is no longer waiting for confirmation.",
  "confirmGone.please": "Please",
  "confirmGone.signUpAgain": "sign up again",
  "confirmGone.useNewLink": "and use the link in the new email.",

  // Unsubscribing (pages/unsubscribe.ts).
  "unsubscribe.title": "Unsubscribe from {brand}?",
  "unsubscribe.explain": "Press the button and we'll stop sending you {brand}. No further steps.",
  "unsubscribe.button": "Unsubscribe",
  "unsubscribe.tooMuch": "Getting too much? You can",
  "unsubscribe.fewer": "choose fewer sections or pause instead",
  "unsubscribed.title": "You're unsubscribed",
  "unsubscribed.noMore": "You won't receive {brand} any more.",
  "unsubscribed.changedMind": "Changed your mind?",
  "unsubscribed.subscribeAgain": "Subscribe again on your preferences page",
  "unsubscribed.nothingMore": "We won't send you anything more.",
  "linkNeeded.unsubscribeTitle": "Unsubscribe",
  "linkNeeded.preferencesTitle": "Your preferences",
  "linkNeeded.unsubscribe":
    "To unsubscribe, use the “Unsubscribe” link at the bottom of any email from {brand}: it is personal to you, so no password is needed.",
  "linkNeeded.preferences":
    "To change your preferences, use the “Manage preferences” link at the bottom of any email from {brand}: it is personal to you, so no password is needed.",
  "linkNeeded.notYet": "Not subscribed yet?",
  "linkNeeded.subscribeHere": "Subscribe here",

  // Blocked address (pages/blocked.ts).
  "blocked.title": "We can't send email to this address",
  "blocked.why":
    "Email to this address was blocked because earlier messages bounced or were reported as spam. While the block is in place we won't send {brand} there, and it cannot be switched back on from this page.",
  "blocked.mistake":
    "If you think this is a mistake, reply to any of our emails or contact the sender, and we'll look into it.",

  // Error pages (pages/error.ts).
  "error.notFound": "Page not found",
  "error.expired": "This link has expired",
  "error.failed": "Something went wrong",
  "error.tooMany": "Too many requests",
  "error.badLink": "This link did not work",

  // Errors a reader can meet on a form or a link (subscribers/*, http/public-routes.ts, http/router.ts).
  // The English ones are also what the CLI and the JSON API say, so they stay lower-case fragments.
  "invalid.emailEmpty": "email is empty",
  "invalid.emailTooLong": '"{value}" is longer than 254 characters',
  "invalid.email": '"{value}" is not a valid email address',
  "invalid.nameTooLong": "name is longer than {max} characters",
  "invalid.nameControl": "name contains control characters",
  "invalid.tooManySections": "choose at most {max} sections",
  "invalid.sectionTooLong": "section names are at most {max} characters",
  "invalid.sectionControl": "a section name may not hold a control character",
  "invalid.unknownSection": "unknown section {names} (known: {known})",
  "invalid.unknownSections": "unknown sections {names} (known: {known})",
  "invalid.timezone": '"{value}" is not a time zone (use Area/City, e.g. Europe/Lisbon)',
  "invalid.locale": "choose a language from the list ({locales})",
  "invalid.noSection": "choose at least one section (or unsubscribe below)",
  "invalid.hour": "choose an hour from the list",
  "invalid.pageAction": "that is not something this page can do",
  "invalid.actionNotNow": "cannot {action} a subscription that is {status}",
  "link.incomplete": "this link is incomplete: open it again from the email, exactly as it was sent",
  "link.expired": "this link has expired",
  "link.invalid": "this link is not valid: open it again from the email, exactly as it was sent",
  "link.badBefore": "the before= of this link must be a day as YYYY-MM-DD",
  "error.mailFailed": "we could not send the email just now; please try again in a few minutes",
  "error.tooManySignups": "too many sign-ups from your network; try again later",
  "error.noEdition": "there is no edition of {date} in the archive",
  "error.noStory": "there is no such story here",
  "error.noPage": "This page does not exist.",
  "error.internal": "Something went wrong on our side. Please try again later.",
  "error.tooLarge": "the body is larger than {limit} bytes: please send less",

  // Preferences (pages/preferences.ts).
  "preferences.title": "Your preferences",
  "preferences.for": "For",
  "preferences.subscription": "Your subscription",
  "preferences.whatYouReceive": "What you receive",
  "preferences.save": "Save preferences",
  "preferences.pause": "Pause the digest",
  "preferences.resume": "Resume the digest",
  "preferences.subscribe": "Subscribe",
  "preferences.subscribeAgain": "Subscribe again",
  "preferences.unsubscribeHeading": "Unsubscribe",
  "preferences.unsubscribeExplain": "Stop receiving {brand} altogether. You can subscribe again here later.",
  "preferences.unsubscribeButton": "Unsubscribe",
  "preferences.saved": "Your preferences are saved.",
  "preferences.paused": "Your subscription is paused. Resume it here whenever you like.",
  "preferences.resumed": "Welcome back: the digest arrives again from the next edition.",
  "preferences.unsubscribed": "You're unsubscribed. You won't receive the digest any more.",
  "preferences.resubscribed": "You're subscribed again: the digest arrives from the next edition.",
  "preferences.statusActive": "You're subscribed.",
  "preferences.statusPaused": "Your subscription is paused: we won't send the digest until you resume it.",
  "preferences.statusUnsubscribed": "You're unsubscribed: we don't send you the digest.",
  "preferences.statusPending": "You're not subscribed yet: your sign-up is waiting for confirmation.",
  "preferences.statusSuppressed": "Email to this address is blocked.",
  "preferencesGone.title": "This subscription no longer exists",
  "preferencesGone.body":
    "We no longer hold a subscription for this link, and we won't send anything more to it.",
  "preferencesGone.again": "To read {brand} again,",
  "preferencesGone.subscribeHere": "subscribe here",

  // Reading pages: archive and hosted stories (pages/archive.ts, story.ts, reading.ts).
  "archive.stopped": "This edition was stopped while it was being sent, so not every subscriber received it.",
  "archive.moreHeading": "More stories from this day",
  "archive.didNotFit.one": "This story did not fit in the email.",
  "archive.didNotFit.other": "These {count} stories did not fit in the email.",
  "archive.nav": "The archive",
  "archive.listTitle": "Past editions of {brand}",
  "archive.stories.one": "{count} story",
  "archive.stories.other": "{count} stories",
  "archive.stoppedShort": "stopped before reaching everyone",
  "archive.noOlder": "No older editions.",
  "archive.none": "No editions have gone out yet.",
  "archive.moreEditions": "More editions",
  "archive.newest": "Newest editions",
  "archive.older": "Older editions",
  "archive.feedInvite": "Follow new editions in a feed reader:",
  "reading.atomFeed": "Atom feed",
  "reading.allEditions": "All past editions",
  "reading.subscribe": "Subscribe",
  "reading.readMore": "Read more",
  "reading.invite": "Like what you read?",
  "reading.inviteLink": "Subscribe to {brand}",
  "reading.inviteRest": "and get each edition in your inbox.",
  "story.readAt": "Read it at {source}",
  "story.theSource": "the source",
  "story.moreToRead": "More to read",

  // Confirmation, welcome and "already subscribed" mails (subscribers/transactional.ts).
  "mail.hello": "Hello,",
  "mail.confirmSubject": "Confirm your subscription to {brand}",
  "mail.confirmAsk": "Please confirm that you want to receive {brand} at {email}.",
  "mail.confirmButton": "Yes, subscribe me",
  "mail.confirmValidity":
    "This link works for {days} days. If you did not ask to subscribe, ignore this email: you will not be added and we will not write again.",
  "mail.welcomeSubject": "Welcome to {brand}",
  "mail.welcomeSubscribed": "You're subscribed to {brand}. The next edition will arrive in your inbox.",
  "mail.welcomePreferences":
    "Choose your sections and time zone, or pause for a while, on your preferences page:",
  "mail.preferencesButton": "Your preferences",
  "mail.unsubscribeAnyTime": "You can unsubscribe at any time:",
  "mail.alreadySubject": "You're already subscribed to {brand}",
  "mail.alreadyPaused":
    "Someone (hopefully you) asked to subscribe {email} to {brand}. This address is already subscribed, and its subscription is paused: resume it on your preferences page.",
  "mail.alreadyActive":
    "Someone (hopefully you) asked to subscribe {email} to {brand}. This address is already subscribed, so nothing changed.",
  "mail.notYou": "If that was not you, you can ignore this email.",
  "mail.pasteLink": "Or paste this link into your browser: {url}",
  "mail.labelledLink": "{label}: {url}",
};

/** A catalogue: every key of the English one, each a message in that language. */
export type Messages = Record<keyof typeof en, string>;
