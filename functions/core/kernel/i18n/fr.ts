import type { Messages } from "./en.js";

/**
 * French (vouvoiement). French typography: a no-break space (U+00A0) before ":" and a narrow one
 * (U+202F) before "?" and "!", written as escapes so they cannot be lost by an editor.
 */
export const fr: Messages = {
  "email.viewInBrowser": "Afficher cet e-mail dans votre navigateur",
  "email.readMoreAt": "Lire la suite sur {source}",
  "email.readFullStory": "Lire l’article complet",
  "email.moreStories.one": "{count} autre article aujourd’hui",
  "email.moreStories.other": "{count} autres articles aujourd’hui",
  "email.whySubscribed": "Vous recevez cet e-mail parce que vous êtes abonné(e) à {brand}.",
  "email.managePreferences": "Gérer mes préférences",
  "email.unsubscribe": "Se désabonner",
  "email.trackingOpensAndClicks":
    "Nous comptons les ouvertures et les clics pour savoir ce qui intéresse nos lecteurs.",
  "email.trackingOpens": "Nous comptons les ouvertures pour savoir ce qui intéresse nos lecteurs.",
  "email.trackingClicks": "Nous comptons les clics sur les liens pour savoir ce qui intéresse nos lecteurs.",
  "email.preheader": "Aussi aujourd’hui\u00a0: {next}",
  "email.stories.one": "{count} article",
  "email.stories.other": "{count} articles",
  "text.viewInBrowser": "Afficher dans votre navigateur\u00a0: {url}",
  "text.readMore": "Lire la suite\u00a0: {url}",
  "text.more": "{label}\u00a0: {url}",
  "text.managePreferences": "Gérer mes préférences\u00a0: {url}",
  "text.unsubscribe": "Se désabonner\u00a0: {url}",

  "page.feedTitle": "{brand}\u00a0: éditions précédentes",

  "form.checkTheForm": "Veuillez vérifier le formulaire",
  "form.email": "Adresse e-mail",
  "form.name": "Nom",
  "form.optional": "(facultatif)",
  "form.sections": "Rubriques",
  "form.sectionsTypedHint":
    "Séparez les noms par des virgules. Laissez vide pour recevoir toutes les rubriques.",
  "form.sectionsHint":
    "Décochez ce que vous ne souhaitez pas lire. Tout coché signifie toutes les rubriques, y compris les nouvelles.",
  "form.timezone": "Fuseau horaire",
  "form.timezoneDefault": "Pas de préférence (l’édition suit {zone})",
  "form.timezoneHint": "Là où vous lisez la lettre.",
  "form.deliveryHour": "Heure de réception",
  "form.deliveryHourDefault": "L’heure habituelle ({time})",
  "form.deliveryHourHint": "L’heure à laquelle la lettre arrive, dans votre fuseau horaire.",
  "form.language": "Langue",
  "form.languageHint": "La langue de la lettre et de ces pages.",

  "subscribe.title": "S’abonner à {brand}",
  "subscribe.intro":
    "Un e-mail par jour avec l’actualité du jour. Nous vous enverrons d’abord un lien pour confirmer votre adresse.",
  "subscribe.button": "S’abonner",
  "subscribe.anyTime":
    "Vous pouvez vous désabonner ou modifier ce que vous recevez à tout moment, grâce aux liens présents dans chaque e-mail.",
  "checkInbox.title": "Consultez votre boîte de réception",
  "checkInbox.sent":
    "Si l’adresse saisie peut recevoir {brand}, un e-mail est en route. Ouvrez-le et suivez le lien qu’il contient pour confirmer votre abonnement.",
  "checkInbox.validity":
    "Le lien est valable {days} jours. Rien reçu\u202f? Regardez dans vos courriers indésirables, ou",
  "checkInbox.tryAgain": "réessayez",
  "rateLimited.title": "Merci de patienter un peu",
  "rateLimited.body.one":
    "Nous avons déjà envoyé plusieurs e-mails à cette adresse aujourd’hui\u00a0; nous n’en enverrons donc pas d’autre pour l’instant. Cherchez le plus récent dans votre boîte de réception (et vos courriers indésirables), ou réessayez dans {count} heure environ.",
  "rateLimited.body.other":
    "Nous avons déjà envoyé plusieurs e-mails à cette adresse aujourd’hui\u00a0; nous n’en enverrons donc pas d’autre pour l’instant. Cherchez le plus récent dans votre boîte de réception (et vos courriers indésirables), ou réessayez dans {count} heures environ.",

  "confirm.title": "Votre abonnement est confirmé",
  "confirm.already": "Votre abonnement à {brand} était déjà confirmé. Vous n’avez rien d’autre à faire.",
  "confirm.thanks":
    "Merci de votre confirmation. {brand} arrivera dans votre boîte de réception avec la prochaine édition.",
  "confirm.preferencesLink": "Choisissez vos rubriques, votre fuseau horaire ou une pause",
  "confirm.whenever": "quand vous le souhaitez.",
  "confirmGone.expiredTitle": "Ce lien a expiré",
  "confirmGone.goneTitle": "Ce lien n’est plus valable",
  "confirmGone.expired": "Les liens de confirmation sont valables {days} jours, et celui-ci est plus ancien.",
  "confirmGone.gone": "Cette inscription n’attend plus de confirmation.",
  "confirmGone.please": "Veuillez",
  "confirmGone.signUpAgain": "vous réinscrire",
  "confirmGone.useNewLink": "et utiliser le lien du nouvel e-mail.",

  "unsubscribe.title": "Se désabonner de {brand}\u202f?",
  "unsubscribe.explain":
    "Appuyez sur le bouton et nous cesserons de vous envoyer {brand}. Aucune autre étape.",
  "unsubscribe.button": "Se désabonner",
  "unsubscribe.tooMuch": "Trop de courrier\u202f? Vous pouvez",
  "unsubscribe.fewer": "choisir moins de rubriques ou faire une pause",
  "unsubscribed.title": "Vous êtes désabonné(e)",
  "unsubscribed.noMore": "Vous ne recevrez plus {brand}.",
  "unsubscribed.changedMind": "Vous avez changé d’avis\u202f?",
  "unsubscribed.subscribeAgain": "Réabonnez-vous sur votre page de préférences",
  "unsubscribed.nothingMore": "Nous ne vous enverrons plus rien.",
  "linkNeeded.unsubscribeTitle": "Se désabonner",
  "linkNeeded.preferencesTitle": "Vos préférences",
  "linkNeeded.unsubscribe":
    "Pour vous désabonner, utilisez le lien «\u00a0Se désabonner\u00a0» en bas de chaque e-mail de {brand}\u00a0: il vous est personnel, aucun mot de passe n’est donc nécessaire.",
  "linkNeeded.preferences":
    "Pour modifier vos préférences, utilisez le lien «\u00a0Gérer mes préférences\u00a0» en bas de chaque e-mail de {brand}\u00a0: il vous est personnel, aucun mot de passe n’est donc nécessaire.",
  "linkNeeded.notYet": "Pas encore abonné(e)\u202f?",
  "linkNeeded.subscribeHere": "Abonnez-vous ici",

  "blocked.title": "Nous ne pouvons pas écrire à cette adresse",
  "blocked.why":
    "Les e-mails vers cette adresse ont été bloqués, car des messages précédents n’ont pas pu être distribués ou ont été signalés comme indésirables. Tant que ce blocage est en place, nous n’y enverrons pas {brand}, et il ne peut pas être levé depuis cette page.",
  "blocked.mistake":
    "S’il s’agit d’une erreur, répondez à l’un de nos e-mails ou contactez l’expéditeur\u00a0: nous examinerons la situation.",

  "error.notFound": "Page introuvable",
  "error.expired": "Ce lien a expiré",
  "error.failed": "Une erreur s’est produite",
  "error.tooMany": "Trop de requêtes",
  "error.badLink": "Ce lien n’a pas fonctionné",

  "invalid.emailEmpty": "Veuillez saisir une adresse e-mail",
  "invalid.emailTooLong": "«\u00a0{value}\u00a0» dépasse 254 caractères",
  "invalid.email": "«\u00a0{value}\u00a0» n’est pas une adresse e-mail valide",
  "invalid.nameTooLong": "Le nom dépasse {max} caractères",
  "invalid.nameControl": "Le nom contient des caractères de contrôle",
  "invalid.tooManySections": "Choisissez au plus {max} rubriques",
  "invalid.sectionTooLong": "Un nom de rubrique compte au plus {max} caractères",
  "invalid.sectionControl": "Un nom de rubrique ne peut pas contenir de caractère de contrôle",
  "invalid.unknownSection": "Rubrique inconnue {names} (rubriques existantes\u00a0: {known})",
  "invalid.unknownSections": "Rubriques inconnues {names} (rubriques existantes\u00a0: {known})",
  "invalid.timezone": "«\u00a0{value}\u00a0» n’est pas un fuseau horaire (Zone/Ville, par ex. Europe/Paris)",
  "invalid.locale": "Choisissez une langue dans la liste ({locales})",
  "invalid.noSection": "Choisissez au moins une rubrique (ou désabonnez-vous plus bas)",
  "invalid.hour": "Choisissez une heure dans la liste",
  "invalid.pageAction": "Cette page ne permet pas de faire cela",
  "invalid.actionNotNow":
    "Ce n’est pas possible pour cet abonnement en ce moment (action {action}, statut {status})",
  "link.incomplete":
    "Ce lien est incomplet\u00a0: ouvrez-le à nouveau depuis l’e-mail, exactement tel qu’il a été envoyé",
  "link.expired": "Ce lien a expiré",
  "link.invalid":
    "Ce lien n’est pas valable\u00a0: ouvrez-le à nouveau depuis l’e-mail, exactement tel qu’il a été envoyé",
  "link.badBefore": "Le before= de ce lien doit être une date au format AAAA-MM-JJ",
  "error.mailFailed":
    "Nous n’avons pas pu envoyer l’e-mail pour le moment. Veuillez réessayer dans quelques minutes",
  "error.tooManySignups": "Trop d’inscriptions depuis votre réseau. Veuillez réessayer plus tard",
  "error.noEdition": "Il n’y a pas d’édition du {date} dans les archives",
  "error.noStory": "Cet article n’existe pas ici",
  "error.noPage": "Cette page n’existe pas.",
  "error.internal": "Une erreur s’est produite de notre côté. Veuillez réessayer plus tard.",
  "error.tooLarge": "La requête dépasse {limit} octets\u00a0: veuillez envoyer moins de données",

  "preferences.title": "Vos préférences",
  "preferences.for": "Pour",
  "preferences.subscription": "Votre abonnement",
  "preferences.whatYouReceive": "Ce que vous recevez",
  "preferences.save": "Enregistrer mes préférences",
  "preferences.pause": "Mettre la lettre en pause",
  "preferences.resume": "Reprendre la lettre",
  "preferences.subscribe": "S’abonner",
  "preferences.subscribeAgain": "Se réabonner",
  "preferences.unsubscribeHeading": "Se désabonner",
  "preferences.unsubscribeExplain":
    "Ne plus recevoir {brand} du tout. Vous pourrez vous réabonner ici plus tard.",
  "preferences.unsubscribeButton": "Se désabonner",
  "preferences.saved": "Vos préférences sont enregistrées.",
  "preferences.paused": "Votre abonnement est en pause. Reprenez-le ici quand vous le souhaitez.",
  "preferences.resumed": "Bon retour parmi nous\u00a0: la lettre arrive de nouveau dès la prochaine édition.",
  "preferences.unsubscribed": "Vous êtes désabonné(e). Vous ne recevrez plus la lettre.",
  "preferences.resubscribed":
    "Vous êtes de nouveau abonné(e)\u00a0: la lettre arrive dès la prochaine édition.",
  "preferences.statusActive": "Vous êtes abonné(e).",
  "preferences.statusPaused":
    "Votre abonnement est en pause\u00a0: nous n’enverrons plus la lettre avant que vous le repreniez.",
  "preferences.statusUnsubscribed": "Vous êtes désabonné(e)\u00a0: nous ne vous envoyons pas la lettre.",
  "preferences.statusPending":
    "Vous n’êtes pas encore abonné(e)\u00a0: votre inscription attend sa confirmation.",
  "preferences.statusSuppressed": "Les e-mails vers cette adresse sont bloqués.",
  "preferencesGone.title": "Cet abonnement n’existe plus",
  "preferencesGone.body":
    "Nous ne conservons plus d’abonnement pour ce lien, et nous n’y enverrons plus rien.",
  "preferencesGone.again": "Pour lire de nouveau {brand},",
  "preferencesGone.subscribeHere": "abonnez-vous ici",

  "archive.stopped": "L’envoi de cette édition a été interrompu\u00a0: tous les abonnés ne l’ont pas reçue.",
  "archive.moreHeading": "Autres articles de ce jour",
  "archive.didNotFit.one": "Cet article n’a pas trouvé place dans l’e-mail.",
  "archive.didNotFit.other": "Ces {count} articles n’ont pas trouvé place dans l’e-mail.",
  "archive.nav": "Les archives",
  "archive.listTitle": "Éditions précédentes de {brand}",
  "archive.stories.one": "{count} article",
  "archive.stories.other": "{count} articles",
  "archive.stoppedShort": "interrompue avant d’atteindre tous les abonnés",
  "archive.noOlder": "Aucune édition plus ancienne.",
  "archive.none": "Aucune édition n’a encore été envoyée.",
  "archive.moreEditions": "Autres éditions",
  "archive.newest": "Éditions les plus récentes",
  "archive.older": "Éditions plus anciennes",
  "archive.feedInvite": "Suivez les nouvelles éditions dans un lecteur de flux\u00a0:",
  "reading.atomFeed": "Flux Atom",
  "reading.allEditions": "Toutes les éditions précédentes",
  "reading.subscribe": "S’abonner",
  "reading.readMore": "Lire la suite",
  "reading.invite": "Vous aimez ce que vous lisez\u202f?",
  "reading.inviteLink": "Abonnez-vous à {brand}",
  "reading.inviteRest": "et recevez chaque édition dans votre boîte de réception.",
  "story.readAt": "Lire sur {source}",
  "story.theSource": "la source",
  "story.moreToRead": "À lire aussi",

  "mail.hello": "Bonjour,",
  "mail.confirmSubject": "Confirmez votre abonnement à {brand}",
  "mail.confirmAsk": "Merci de confirmer que vous souhaitez recevoir {brand} à l’adresse {email}.",
  "mail.confirmButton": "Oui, je m’abonne",
  "mail.confirmValidity":
    "Ce lien est valable {days} jours. Si vous n’avez pas demandé à vous abonner, ignorez cet e-mail\u00a0: vous ne serez pas inscrit(e) et nous ne vous écrirons plus.",
  "mail.welcomeSubject": "Bienvenue à {brand}",
  "mail.welcomeSubscribed":
    "Vous êtes abonné(e) à {brand}. La prochaine édition arrivera dans votre boîte de réception.",
  "mail.welcomePreferences":
    "Choisissez vos rubriques et votre fuseau horaire, ou faites une pause, sur votre page de préférences\u00a0:",
  "mail.preferencesButton": "Vos préférences",
  "mail.unsubscribeAnyTime": "Vous pouvez vous désabonner à tout moment\u00a0:",
  "mail.alreadySubject": "Vous êtes déjà abonné(e) à {brand}",
  "mail.alreadyPaused":
    "Quelqu’un (vous, espérons-le) a demandé à abonner {email} à {brand}. Cette adresse est déjà abonnée et son abonnement est en pause\u00a0: reprenez-le sur votre page de préférences.",
  "mail.alreadyActive":
    "Quelqu’un (vous, espérons-le) a demandé à abonner {email} à {brand}. Cette adresse est déjà abonnée\u00a0: rien n’a changé.",
  "mail.notYou": "Si ce n’était pas vous, vous pouvez ignorer cet e-mail.",
  "mail.pasteLink": "Ou copiez ce lien dans votre navigateur\u00a0: {url}",
  "mail.labelledLink": "{label}\u00a0: {url}",
};
