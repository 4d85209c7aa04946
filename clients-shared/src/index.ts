/**
 * What both clients (the VS Code extension and the JupyterLab extension) import: the
 * protocol's declarations and how they show and word a sign-in session the same way.
 */
export * from './generated/protocol';
export * from './endReminder';
export * from './logoutMessage';
export * from './sessionTime';
export * from './sessionView';
