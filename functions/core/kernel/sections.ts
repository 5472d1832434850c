/**
 * The longest section name: a section is a key stories are filed under and readers choose by, so the
 * story import refuses a longer one (stories/stories.ts) and so do the public forms when readers type
 * their own (subscribers/subscribers.ts: TYPED_SECTIONS).
 */
export const MAX_SECTION_NAME_LENGTH = 80;
