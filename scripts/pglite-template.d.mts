export function embeddedTemplatePath(root: string): string;
