/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation CreateKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id name permissions expiresAt usageCount lastUsedAt } } }": typeof types.CreateKeyDocument,
    "mutation UpdateKey($id: String!, $input: UpdateApiKeyInput!) { updateApiKey(id: $id, input: $input) { id name permissions } }": typeof types.UpdateKeyDocument,
    "mutation DeleteKey($id: String!) { deleteApiKey(id: $id) }": typeof types.DeleteKeyDocument,
    "query Keys { apiKeys { id name permissions usageCount lastUsedAt } }": typeof types.KeysDocument,
    "query KeyQuery($id: String!) { apiKey(id: $id) { id usageCount lastUsedAt } }": typeof types.KeyQueryDocument,
    "query KeyMe { me { databaseId username } }": typeof types.KeyMeDocument,
    "mutation KeyGen($input: GenerateImageInput!) { generateImage(input: $input) { databaseId } }": typeof types.KeyGenDocument,
    "query KeyHistory { tasks { total } }": typeof types.KeyHistoryDocument,
    "query KeyHooks { webhooks { id } }": typeof types.KeyHooksDocument,
    "mutation KeyChat { createChat(input: { title: \"secret plans\" }) { id } }": typeof types.KeyChatDocument,
    "query KeyNodeChat($id: ID!) { node(id: $id) { ... on Chat { title } } }": typeof types.KeyNodeChatDocument,
    "mutation LibraryImage($input: GenerateImageInput!) { generateImage(input: $input) { databaseId } }": typeof types.LibraryImageDocument,
    "mutation LibraryVideo($input: GenerateVideoInput!) { generateVideo(input: $input) { databaseId } }": typeof types.LibraryVideoDocument,
    "\n  query LibraryAssets($type: AssetTypeFilter, $sort: AssetSort, $offset: Int, $limit: Int) {\n    assets(type: $type, sort: $sort, offset: $offset, limit: $limit) {\n      total offset limit\n      items { id databaseId kind fileName mimeType size url thumbnailUrl downloadUrl }\n    }\n  }\n": typeof types.LibraryAssetsDocument,
    "\n  query LibraryConnection($type: AssetTypeFilter, $sort: AssetSort, $first: Int, $after: String) {\n    assetsConnection(type: $type, sort: $sort, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { databaseId kind } }\n    }\n  }\n": typeof types.LibraryConnectionDocument,
    "query LibraryAsset($id: ID!) { asset(id: $id) { databaseId url } }": typeof types.LibraryAssetDocument,
    "mutation LibraryDelete($id: ID!) { deleteAsset(id: $id) }": typeof types.LibraryDeleteDocument,
    "mutation LibraryDeleteByUrl($url: String!) { deleteAssetByUrl(url: $url) }": typeof types.LibraryDeleteByUrlDocument,
    "mutation LibraryRate($assetId: ID!) { rateResult(assetId: $assetId, isLike: true, feedback: \"keep\") { isLike } }": typeof types.LibraryRateDocument,
    "\n  mutation Refresh($token: String!) {\n    refreshToken(refreshToken: $token) { accessToken refreshToken user { databaseId } }\n  }\n": typeof types.RefreshDocument,
    "mutation Logout { logout }": typeof types.LogoutDocument,
    "\n  mutation ChangePassword($input: ChangePasswordInput!) { changePassword(input: $input) }\n": typeof types.ChangePasswordDocument,
    "\n  mutation UpdateProfile($input: UpdateProfileInput!) {\n    updateProfile(input: $input) { username email name fullName phoneNumber metadata }\n  }\n": typeof types.UpdateProfileDocument,
    "\n  mutation CreateCodes($input: CreateRedemptionCodesInput!, $key: String) {\n    createRedemptionCodes(input: $input, idempotencyKey: $key) { code amount maxUses usedCount remainingUses expiresAt redeemable batchId }\n  }\n": typeof types.CreateCodesDocument,
    "query ReadCode($code: String!) { redemptionCode(code: $code) { code amount remainingUses redeemable expiresAt } }": typeof types.ReadCodeDocument,
    "\n  query ReadCodeAdmin($code: String!) {\n    redemptionCode(code: $code) { code usedCount batchId note createdBy { username } redemptions { amount user { username } } }\n  }\n": typeof types.ReadCodeAdminDocument,
    "query ListCodes($batchId: String) { redemptionCodes(batchId: $batchId, limit: 100) { total items { code batchId } } }": typeof types.ListCodesDocument,
    "mutation DeleteCode($code: String!) { deleteRedemptionCode(code: $code) }": typeof types.DeleteCodeDocument,
    "\n  mutation Redeem($code: String!, $key: String) {\n    redeemCode(code: $code, idempotencyKey: $key) { code amount credits { available reserved } entry { id kind amount balanceAfter } }\n  }\n": typeof types.RedeemDocument,
    "query Ledger { me { credits { available } creditEntries { total items { kind amount balanceAfter reason } } } }": typeof types.LedgerDocument,
    "\n  mutation Adjust($userId: ID!, $amount: Int!, $reason: String!, $key: String) {\n    adjustCredits(userId: $userId, amount: $amount, reason: $reason, idempotencyKey: $key) {\n      credits { available reserved }\n      entry { id kind amount balanceAfter reason }\n      user { username }\n    }\n  }\n": typeof types.AdjustDocument,
    "query Balance { me { credits { available } creditEntries(limit: 100) { total } } }": typeof types.BalanceDocument,
    "query MyCredits { me { credits { available reserved } } }": typeof types.MyCreditsDocument,
    "mutation CreateChat($input: ChatInput) { createChat(input: $input) { id databaseId title modelId systemPrompt preset { databaseId } } }": typeof types.CreateChatDocument,
    "mutation UpdateChat($id: ID!, $input: ChatInput!) { updateChat(id: $id, input: $input) { id title modelId systemPrompt } }": typeof types.UpdateChatDocument,
    "mutation DeleteChat($id: ID!) { deleteChat(id: $id) }": typeof types.DeleteChatDocument,
    "query Chats($offset: Int, $limit: Int) { chats(offset: $offset, limit: $limit) { total offset limit items { databaseId title } } }": typeof types.ChatsDocument,
    "query ChatsConnection($first: Int, $after: String) { chatsConnection(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { databaseId } } } }": typeof types.ChatsConnectionDocument,
    "\n  query ChatQuery($id: ID!) {\n    chat(id: $id) { databaseId title messageCount messages { role content promptTokens completionTokens taskId } }\n  }\n": typeof types.ChatQueryDocument,
    "\n  mutation Send($chatId: ID!, $content: String!, $options: ChatSendOptions) {\n    sendChatMessage(chatId: $chatId, content: $content, options: $options) { message { role content } task { databaseId status input cost } }\n  }\n": typeof types.SendDocument,
    "mutation CreatePreset($input: CreatePresetInput!) { createPreset(input: $input) { id databaseId name modelId parameters systemPrompt shared mine } }": typeof types.CreatePresetDocument,
    "mutation UpdatePreset($id: ID!, $input: UpdatePresetInput!) { updatePreset(id: $id, input: $input) { name parameters } }": typeof types.UpdatePresetDocument,
    "mutation DeletePreset($id: ID!) { deletePreset(id: $id) }": typeof types.DeletePresetDocument,
    "query Presets($mine: Boolean) { presets(mine: $mine) { total items { databaseId name shared mine } } }": typeof types.PresetsDocument,
    "query PresetQuery($id: ID!) { preset(id: $id) { databaseId name } }": typeof types.PresetQueryDocument,
    "mutation PresetImage($input: GenerateImageInput!) { generateImage(input: $input) { databaseId modelId input } }": typeof types.PresetImageDocument,
    "query Styles { styles { id name promptTemplate enabled } }": typeof types.StylesDocument,
    "mutation CreateOrder($input: OrderInput!) { createOrder(input: $input) { id databaseId kind parentId status styles { id } } }": typeof types.CreateOrderDocument,
    "mutation Upload($orderId: ID!, $image: String, $gender: Int) { uploadTrainingImage(orderId: $orderId, image: $image, gender: $gender) { selfieId gender selected mimeType width height } }": typeof types.UploadDocument,
    "mutation Select($orderId: ID!, $selfieId: Int!) { selectTrainingImage(orderId: $orderId, selfieId: $selfieId) { selfieId selected } }": typeof types.SelectDocument,
    "mutation Run($id: ID!) { runOrder(id: $id) { databaseId kindName status cost input } }": typeof types.RunDocument,
    "\n  query OrderQuery($id: ID!) {\n    order(id: $id) { databaseId kind parentId status progress message trained mainImageId trainingImages { selfieId selected } avatars { databaseId kind url metadata } }\n  }\n": typeof types.OrderQueryDocument,
    "query Orders($kind: OrderKind, $parent: Int) { orders(kind: $kind, parent: $parent) { total items { databaseId kind parentId status } } }": typeof types.OrdersDocument,
    "query PersonalModels { personalModels { total items { databaseId status trained } } }": typeof types.PersonalModelsDocument,
    "query Avatars($modelId: ID!, $page: Int, $pageSize: Int) { avatars(modelId: $modelId, page: $page, pageSize: $pageSize) { total page pageSize items { databaseId kind width height } } }": typeof types.AvatarsDocument,
    "mutation CreateStyle($input: StyleInput!) { createStyle(input: $input) { id name enabled } }": typeof types.CreateStyleDocument,
    "mutation UpdateStyle($id: Int!, $input: StyleInput!) { updateStyle(id: $id, input: $input) { id enabled } }": typeof types.UpdateStyleDocument,
    "mutation DeleteStyle($id: Int!) { deleteStyle(id: $id) }": typeof types.DeleteStyleDocument,
    "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      accessToken\n      refreshToken\n      tokenType\n      expiresIn\n      user { id databaseId username email role tier }\n    }\n  }\n": typeof types.RegisterDocument,
    "\n  mutation Login($input: LoginInput!) {\n    login(input: $input) {\n      accessToken\n      refreshToken\n      user { id databaseId username }\n    }\n  }\n": typeof types.LoginDocument,
    "\n  query Me {\n    me { id databaseId username email name fullName phoneNumber avatarUrl metadata role tier disabled createdAt }\n  }\n": typeof types.MeDocument,
    "query MeId { me { id } }": typeof types.MeIdDocument,
    "query Tiers { tiers { tier perMinute daily weekly monthly } }": typeof types.TiersDocument,
    "\n  query MyQuota {\n    me { quota { daily { used limit remaining resetsAt } weekly { used limit remaining } monthly { used limit remaining } } }\n  }\n": typeof types.MyQuotaDocument,
    "\n  query Models($kind: ModelKind, $all: Boolean) {\n    models(kind: $kind, includeDisabled: $all) { id name kind maxTokens supportedEndpoints enabled pricing { perImage perSecond per1kTokens flat } }\n  }\n": typeof types.ModelsDocument,
    "query OneModel($id: String!) { model(id: $id) { id name description info { whatIs useCases tips } } }": typeof types.OneModelDocument,
    "query ModelProvider($id: String!) { model(id: $id) { id provider } }": typeof types.ModelProviderDocument,
    "\n  query Estimate($model: String!, $images: Int, $seconds: Float, $tokens: Int) {\n    estimateCost(model: $model, images: $images, seconds: $seconds, tokens: $tokens) { model credits available sufficient }\n  }\n": typeof types.EstimateDocument,
    "mutation CreateModel($input: CreateModelInput!) { createModel(input: $input) { id name kind pricing { perImage } info { tips } } }": typeof types.CreateModelDocument,
    "mutation UpdateModel($id: String!, $input: UpdateModelInput!) { updateModel(id: $id, input: $input) { id enabled pricing { perImage } } }": typeof types.UpdateModelDocument,
    "mutation DeleteModel($id: String!) { deleteModel(id: $id) }": typeof types.DeleteModelDocument,
    "mutation StreamKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }": typeof types.StreamKeyDocument,
    "mutation MoodKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }": typeof types.MoodKeyDocument,
    "mutation Rename($name: String!) { updateProfile(input: { name: $name }) { name } }": typeof types.RenameDocument,
    "mutation S3Image { generateImage(input: { model: \"sd15\", prompt: \"stored in s3\", width: 64, height: 64 }) { id databaseId } }": typeof types.S3ImageDocument,
    "query S3Task($id: ID!) { task(id: $id) { status assets { url thumbnailUrl } } }": typeof types.S3TaskDocument,
    "\n  mutation GenerateImage($input: GenerateImageInput!, $key: String) {\n    generateImage(input: $input, idempotencyKey: $key) { id databaseId status kindName cost queuePosition }\n  }\n": typeof types.GenerateImageDocument,
    "mutation EditImage($input: EditImageInput!) { editImage(input: $input) { id databaseId status cost } }": typeof types.EditImageDocument,
    "mutation GenerateVideo($input: GenerateVideoInput!) { generateVideo(input: $input) { id databaseId cost } }": typeof types.GenerateVideoDocument,
    "mutation Chat($input: ChatCompletionInput!) { createChatCompletion(input: $input) { id databaseId cost } }": typeof types.ChatDocument,
    "mutation GenText($input: GenerateTextInput!) { generateText(input: $input) { id databaseId } }": typeof types.GenTextDocument,
    "\n  query TaskQuery($id: ID!) {\n    task(id: $id) {\n      id databaseId status progress kindName cost errorCode texts output\n      model { id name }\n      assets { id databaseId kind mimeType width height durationSec url thumbnailUrl metadata }\n    }\n  }\n": typeof types.TaskQueryDocument,
    "\n  query History($filter: TaskFilter, $limit: Int) { tasks(filter: $filter, limit: $limit) { total items { databaseId kindName status } } }\n": typeof types.HistoryDocument,
    "query TaskCredits { me { credits { available reserved } } }": typeof types.TaskCreditsDocument,
    "mutation Rate($assetId: ID!, $like: Boolean, $dislike: Boolean, $text: String) { rateResult(assetId: $assetId, isLike: $like, isDislike: $dislike, feedback: $text) { isLike isDislike feedback } }": typeof types.RateDocument,
    "query TaskNode($id: ID!) { node(id: $id) { id } }": typeof types.TaskNodeDocument,
    "\n  mutation LifeGenerate($input: GenerateImageInput!) { generateImage(input: $input) { id databaseId status queuePosition etaSeconds } }\n": typeof types.LifeGenerateDocument,
    "mutation LifeCancel($id: ID!) { cancelTask(id: $id) { status cancelRequested errorCode } }": typeof types.LifeCancelDocument,
    "mutation LifeRetry($id: ID!) { retryTask(id: $id) { databaseId status retryOf { databaseId } } }": typeof types.LifeRetryDocument,
    "mutation LifeDelete($id: ID!) { deleteTask(id: $id) }": typeof types.LifeDeleteDocument,
    "query LifeGet($id: ID!) { task(id: $id) { status queuePosition etaSeconds progress errorCode errorMessage attempts cost } }": typeof types.LifeGetDocument,
    "query LifeCredits { me { credits { available reserved } } }": typeof types.LifeCreditsDocument,
    "mutation RoutedImage($input: GenerateImageInput!) { generateImage(input: $input) { databaseId } }": typeof types.RoutedImageDocument,
    "mutation RoutedChat($input: ChatCompletionInput!) { createChatCompletion(input: $input) { databaseId } }": typeof types.RoutedChatDocument,
    "query RoutedResult($id: ID!) { task(id: $id) { status texts cost output assets { kind width height url } } }": typeof types.RoutedResultDocument,
    "\n  query Usage($from: DateTime, $to: DateTime, $model: String) {\n    usage(from: $from, to: $to, model: $model) {\n      totalRequests totalTokens totalCost\n      byModel { model requests tokens cost }\n      byDate { date requests tokens cost }\n      quota { daily { used limit } }\n    }\n  }\n": typeof types.UsageDocument,
    "\n  query Totals($from: DateTime, $to: DateTime, $userId: ID) {\n    usageTotals(from: $from, to: $to, userId: $userId) { totalRequests totalCost byUser { user { username } requests cost } quota { daily { used } } }\n  }\n": typeof types.TotalsDocument,
    "\n  query Users($offset: Int, $limit: Int) {\n    users(offset: $offset, limit: $limit) { total offset limit items { databaseId username } }\n  }\n": typeof types.UsersDocument,
    "\n  query UsersConnection($first: Int, $after: String) {\n    usersConnection(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { cursor node { databaseId username } }\n    }\n  }\n": typeof types.UsersConnectionDocument,
    "query User($id: ID!) { user(id: $id) { id databaseId username role tier disabled } }": typeof types.UserDocument,
    "\n  mutation UpdateUser($id: ID!, $input: AdminUpdateUserInput!) {\n    updateUser(id: $id, input: $input) { databaseId role tier disabled }\n  }\n": typeof types.UpdateUserDocument,
    "mutation DeleteUser($id: ID!) { deleteUser(id: $id) }": typeof types.DeleteUserDocument,
    "mutation ResetUserPassword($id: ID!, $pw: String!) { resetUserPassword(id: $id, newPassword: $pw) }": typeof types.ResetUserPasswordDocument,
    "\n  mutation CreateUser($input: AdminCreateUserInput!) { createUser(input: $input) { databaseId username role tier } }\n": typeof types.CreateUserDocument,
    "query Node($id: ID!) { node(id: $id) { id ... on User { username } } }": typeof types.NodeDocument,
    "mutation CreateWebhook($input: CreateWebhookInput!) { createWebhook(input: $input) { id url events secret active } }": typeof types.CreateWebhookDocument,
    "mutation UpdateWebhook($id: String!, $input: UpdateWebhookInput!) { updateWebhook(id: $id, input: $input) { id active events disabledAt } }": typeof types.UpdateWebhookDocument,
    "mutation DeleteWebhook($id: String!) { deleteWebhook(id: $id) }": typeof types.DeleteWebhookDocument,
    "\n  query WebhookQuery($id: String!) {\n    webhook(id: $id) {\n      id active disabledAt disabledReason lastDeliveryAt\n      deliveries(limit: 100) { id eventType status attemptCount payload attempts { attemptNo statusCode success latencyMs responseExcerpt error } }\n    }\n  }\n": typeof types.WebhookQueryDocument,
    "query Webhooks { webhooks { id } }": typeof types.WebhooksDocument,
    "mutation Replay($id: String!) { replayWebhookDelivery(id: $id) { id status } }": typeof types.ReplayDocument,
    "mutation HookText($input: GenerateTextInput!) { generateText(input: $input) { databaseId } }": typeof types.HookTextDocument,
    "mutation HookImage($input: GenerateImageInput!) { generateImage(input: $input) { databaseId } }": typeof types.HookImageDocument,
};
const documents: Documents = {
    "mutation CreateKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id name permissions expiresAt usageCount lastUsedAt } } }": types.CreateKeyDocument,
    "mutation UpdateKey($id: String!, $input: UpdateApiKeyInput!) { updateApiKey(id: $id, input: $input) { id name permissions } }": types.UpdateKeyDocument,
    "mutation DeleteKey($id: String!) { deleteApiKey(id: $id) }": types.DeleteKeyDocument,
    "query Keys { apiKeys { id name permissions usageCount lastUsedAt } }": types.KeysDocument,
    "query KeyQuery($id: String!) { apiKey(id: $id) { id usageCount lastUsedAt } }": types.KeyQueryDocument,
    "query KeyMe { me { databaseId username } }": types.KeyMeDocument,
    "mutation KeyGen($input: GenerateImageInput!) { generateImage(input: $input) { databaseId } }": types.KeyGenDocument,
    "query KeyHistory { tasks { total } }": types.KeyHistoryDocument,
    "query KeyHooks { webhooks { id } }": types.KeyHooksDocument,
    "mutation KeyChat { createChat(input: { title: \"secret plans\" }) { id } }": types.KeyChatDocument,
    "query KeyNodeChat($id: ID!) { node(id: $id) { ... on Chat { title } } }": types.KeyNodeChatDocument,
    "mutation LibraryImage($input: GenerateImageInput!) { generateImage(input: $input) { databaseId } }": types.LibraryImageDocument,
    "mutation LibraryVideo($input: GenerateVideoInput!) { generateVideo(input: $input) { databaseId } }": types.LibraryVideoDocument,
    "\n  query LibraryAssets($type: AssetTypeFilter, $sort: AssetSort, $offset: Int, $limit: Int) {\n    assets(type: $type, sort: $sort, offset: $offset, limit: $limit) {\n      total offset limit\n      items { id databaseId kind fileName mimeType size url thumbnailUrl downloadUrl }\n    }\n  }\n": types.LibraryAssetsDocument,
    "\n  query LibraryConnection($type: AssetTypeFilter, $sort: AssetSort, $first: Int, $after: String) {\n    assetsConnection(type: $type, sort: $sort, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { databaseId kind } }\n    }\n  }\n": types.LibraryConnectionDocument,
    "query LibraryAsset($id: ID!) { asset(id: $id) { databaseId url } }": types.LibraryAssetDocument,
    "mutation LibraryDelete($id: ID!) { deleteAsset(id: $id) }": types.LibraryDeleteDocument,
    "mutation LibraryDeleteByUrl($url: String!) { deleteAssetByUrl(url: $url) }": types.LibraryDeleteByUrlDocument,
    "mutation LibraryRate($assetId: ID!) { rateResult(assetId: $assetId, isLike: true, feedback: \"keep\") { isLike } }": types.LibraryRateDocument,
    "\n  mutation Refresh($token: String!) {\n    refreshToken(refreshToken: $token) { accessToken refreshToken user { databaseId } }\n  }\n": types.RefreshDocument,
    "mutation Logout { logout }": types.LogoutDocument,
    "\n  mutation ChangePassword($input: ChangePasswordInput!) { changePassword(input: $input) }\n": types.ChangePasswordDocument,
    "\n  mutation UpdateProfile($input: UpdateProfileInput!) {\n    updateProfile(input: $input) { username email name fullName phoneNumber metadata }\n  }\n": types.UpdateProfileDocument,
    "\n  mutation CreateCodes($input: CreateRedemptionCodesInput!, $key: String) {\n    createRedemptionCodes(input: $input, idempotencyKey: $key) { code amount maxUses usedCount remainingUses expiresAt redeemable batchId }\n  }\n": types.CreateCodesDocument,
    "query ReadCode($code: String!) { redemptionCode(code: $code) { code amount remainingUses redeemable expiresAt } }": types.ReadCodeDocument,
    "\n  query ReadCodeAdmin($code: String!) {\n    redemptionCode(code: $code) { code usedCount batchId note createdBy { username } redemptions { amount user { username } } }\n  }\n": types.ReadCodeAdminDocument,
    "query ListCodes($batchId: String) { redemptionCodes(batchId: $batchId, limit: 100) { total items { code batchId } } }": types.ListCodesDocument,
    "mutation DeleteCode($code: String!) { deleteRedemptionCode(code: $code) }": types.DeleteCodeDocument,
    "\n  mutation Redeem($code: String!, $key: String) {\n    redeemCode(code: $code, idempotencyKey: $key) { code amount credits { available reserved } entry { id kind amount balanceAfter } }\n  }\n": types.RedeemDocument,
    "query Ledger { me { credits { available } creditEntries { total items { kind amount balanceAfter reason } } } }": types.LedgerDocument,
    "\n  mutation Adjust($userId: ID!, $amount: Int!, $reason: String!, $key: String) {\n    adjustCredits(userId: $userId, amount: $amount, reason: $reason, idempotencyKey: $key) {\n      credits { available reserved }\n      entry { id kind amount balanceAfter reason }\n      user { username }\n    }\n  }\n": types.AdjustDocument,
    "query Balance { me { credits { available } creditEntries(limit: 100) { total } } }": types.BalanceDocument,
    "query MyCredits { me { credits { available reserved } } }": types.MyCreditsDocument,
    "mutation CreateChat($input: ChatInput) { createChat(input: $input) { id databaseId title modelId systemPrompt preset { databaseId } } }": types.CreateChatDocument,
    "mutation UpdateChat($id: ID!, $input: ChatInput!) { updateChat(id: $id, input: $input) { id title modelId systemPrompt } }": types.UpdateChatDocument,
    "mutation DeleteChat($id: ID!) { deleteChat(id: $id) }": types.DeleteChatDocument,
    "query Chats($offset: Int, $limit: Int) { chats(offset: $offset, limit: $limit) { total offset limit items { databaseId title } } }": types.ChatsDocument,
    "query ChatsConnection($first: Int, $after: String) { chatsConnection(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { databaseId } } } }": types.ChatsConnectionDocument,
    "\n  query ChatQuery($id: ID!) {\n    chat(id: $id) { databaseId title messageCount messages { role content promptTokens completionTokens taskId } }\n  }\n": types.ChatQueryDocument,
    "\n  mutation Send($chatId: ID!, $content: String!, $options: ChatSendOptions) {\n    sendChatMessage(chatId: $chatId, content: $content, options: $options) { message { role content } task { databaseId status input cost } }\n  }\n": types.SendDocument,
    "mutation CreatePreset($input: CreatePresetInput!) { createPreset(input: $input) { id databaseId name modelId parameters systemPrompt shared mine } }": types.CreatePresetDocument,
    "mutation UpdatePreset($id: ID!, $input: UpdatePresetInput!) { updatePreset(id: $id, input: $input) { name parameters } }": types.UpdatePresetDocument,
    "mutation DeletePreset($id: ID!) { deletePreset(id: $id) }": types.DeletePresetDocument,
    "query Presets($mine: Boolean) { presets(mine: $mine) { total items { databaseId name shared mine } } }": types.PresetsDocument,
    "query PresetQuery($id: ID!) { preset(id: $id) { databaseId name } }": types.PresetQueryDocument,
    "mutation PresetImage($input: GenerateImageInput!) { generateImage(input: $input) { databaseId modelId input } }": types.PresetImageDocument,
    "query Styles { styles { id name promptTemplate enabled } }": types.StylesDocument,
    "mutation CreateOrder($input: OrderInput!) { createOrder(input: $input) { id databaseId kind parentId status styles { id } } }": types.CreateOrderDocument,
    "mutation Upload($orderId: ID!, $image: String, $gender: Int) { uploadTrainingImage(orderId: $orderId, image: $image, gender: $gender) { selfieId gender selected mimeType width height } }": types.UploadDocument,
    "mutation Select($orderId: ID!, $selfieId: Int!) { selectTrainingImage(orderId: $orderId, selfieId: $selfieId) { selfieId selected } }": types.SelectDocument,
    "mutation Run($id: ID!) { runOrder(id: $id) { databaseId kindName status cost input } }": types.RunDocument,
    "\n  query OrderQuery($id: ID!) {\n    order(id: $id) { databaseId kind parentId status progress message trained mainImageId trainingImages { selfieId selected } avatars { databaseId kind url metadata } }\n  }\n": types.OrderQueryDocument,
    "query Orders($kind: OrderKind, $parent: Int) { orders(kind: $kind, parent: $parent) { total items { databaseId kind parentId status } } }": types.OrdersDocument,
    "query PersonalModels { personalModels { total items { databaseId status trained } } }": types.PersonalModelsDocument,
    "query Avatars($modelId: ID!, $page: Int, $pageSize: Int) { avatars(modelId: $modelId, page: $page, pageSize: $pageSize) { total page pageSize items { databaseId kind width height } } }": types.AvatarsDocument,
    "mutation CreateStyle($input: StyleInput!) { createStyle(input: $input) { id name enabled } }": types.CreateStyleDocument,
    "mutation UpdateStyle($id: Int!, $input: StyleInput!) { updateStyle(id: $id, input: $input) { id enabled } }": types.UpdateStyleDocument,
    "mutation DeleteStyle($id: Int!) { deleteStyle(id: $id) }": types.DeleteStyleDocument,
    "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      accessToken\n      refreshToken\n      tokenType\n      expiresIn\n      user { id databaseId username email role tier }\n    }\n  }\n": types.RegisterDocument,
    "\n  mutation Login($input: LoginInput!) {\n    login(input: $input) {\n      accessToken\n      refreshToken\n      user { id databaseId username }\n    }\n  }\n": types.LoginDocument,
    "\n  query Me {\n    me { id databaseId username email name fullName phoneNumber avatarUrl metadata role tier disabled createdAt }\n  }\n": types.MeDocument,
    "query MeId { me { id } }": types.MeIdDocument,
    "query Tiers { tiers { tier perMinute daily weekly monthly } }": types.TiersDocument,
    "\n  query MyQuota {\n    me { quota { daily { used limit remaining resetsAt } weekly { used limit remaining } monthly { used limit remaining } } }\n  }\n": types.MyQuotaDocument,
    "\n  query Models($kind: ModelKind, $all: Boolean) {\n    models(kind: $kind, includeDisabled: $all) { id name kind maxTokens supportedEndpoints enabled pricing { perImage perSecond per1kTokens flat } }\n  }\n": types.ModelsDocument,
    "query OneModel($id: String!) { model(id: $id) { id name description info { whatIs useCases tips } } }": types.OneModelDocument,
    "query ModelProvider($id: String!) { model(id: $id) { id provider } }": types.ModelProviderDocument,
    "\n  query Estimate($model: String!, $images: Int, $seconds: Float, $tokens: Int) {\n    estimateCost(model: $model, images: $images, seconds: $seconds, tokens: $tokens) { model credits available sufficient }\n  }\n": types.EstimateDocument,
    "mutation CreateModel($input: CreateModelInput!) { createModel(input: $input) { id name kind pricing { perImage } info { tips } } }": types.CreateModelDocument,
    "mutation UpdateModel($id: String!, $input: UpdateModelInput!) { updateModel(id: $id, input: $input) { id enabled pricing { perImage } } }": types.UpdateModelDocument,
    "mutation DeleteModel($id: String!) { deleteModel(id: $id) }": types.DeleteModelDocument,
    "mutation StreamKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }": types.StreamKeyDocument,
    "mutation MoodKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }": types.MoodKeyDocument,
    "mutation Rename($name: String!) { updateProfile(input: { name: $name }) { name } }": types.RenameDocument,
    "mutation S3Image { generateImage(input: { model: \"sd15\", prompt: \"stored in s3\", width: 64, height: 64 }) { id databaseId } }": types.S3ImageDocument,
    "query S3Task($id: ID!) { task(id: $id) { status assets { url thumbnailUrl } } }": types.S3TaskDocument,
    "\n  mutation GenerateImage($input: GenerateImageInput!, $key: String) {\n    generateImage(input: $input, idempotencyKey: $key) { id databaseId status kindName cost queuePosition }\n  }\n": types.GenerateImageDocument,
    "mutation EditImage($input: EditImageInput!) { editImage(input: $input) { id databaseId status cost } }": types.EditImageDocument,
    "mutation GenerateVideo($input: GenerateVideoInput!) { generateVideo(input: $input) { id databaseId cost } }": types.GenerateVideoDocument,
    "mutation Chat($input: ChatCompletionInput!) { createChatCompletion(input: $input) { id databaseId cost } }": types.ChatDocument,
    "mutation GenText($input: GenerateTextInput!) { generateText(input: $input) { id databaseId } }": types.GenTextDocument,
    "\n  query TaskQuery($id: ID!) {\n    task(id: $id) {\n      id databaseId status progress kindName cost errorCode texts output\n      model { id name }\n      assets { id databaseId kind mimeType width height durationSec url thumbnailUrl metadata }\n    }\n  }\n": types.TaskQueryDocument,
    "\n  query History($filter: TaskFilter, $limit: Int) { tasks(filter: $filter, limit: $limit) { total items { databaseId kindName status } } }\n": types.HistoryDocument,
    "query TaskCredits { me { credits { available reserved } } }": types.TaskCreditsDocument,
    "mutation Rate($assetId: ID!, $like: Boolean, $dislike: Boolean, $text: String) { rateResult(assetId: $assetId, isLike: $like, isDislike: $dislike, feedback: $text) { isLike isDislike feedback } }": types.RateDocument,
    "query TaskNode($id: ID!) { node(id: $id) { id } }": types.TaskNodeDocument,
    "\n  mutation LifeGenerate($input: GenerateImageInput!) { generateImage(input: $input) { id databaseId status queuePosition etaSeconds } }\n": types.LifeGenerateDocument,
    "mutation LifeCancel($id: ID!) { cancelTask(id: $id) { status cancelRequested errorCode } }": types.LifeCancelDocument,
    "mutation LifeRetry($id: ID!) { retryTask(id: $id) { databaseId status retryOf { databaseId } } }": types.LifeRetryDocument,
    "mutation LifeDelete($id: ID!) { deleteTask(id: $id) }": types.LifeDeleteDocument,
    "query LifeGet($id: ID!) { task(id: $id) { status queuePosition etaSeconds progress errorCode errorMessage attempts cost } }": types.LifeGetDocument,
    "query LifeCredits { me { credits { available reserved } } }": types.LifeCreditsDocument,
    "mutation RoutedImage($input: GenerateImageInput!) { generateImage(input: $input) { databaseId } }": types.RoutedImageDocument,
    "mutation RoutedChat($input: ChatCompletionInput!) { createChatCompletion(input: $input) { databaseId } }": types.RoutedChatDocument,
    "query RoutedResult($id: ID!) { task(id: $id) { status texts cost output assets { kind width height url } } }": types.RoutedResultDocument,
    "\n  query Usage($from: DateTime, $to: DateTime, $model: String) {\n    usage(from: $from, to: $to, model: $model) {\n      totalRequests totalTokens totalCost\n      byModel { model requests tokens cost }\n      byDate { date requests tokens cost }\n      quota { daily { used limit } }\n    }\n  }\n": types.UsageDocument,
    "\n  query Totals($from: DateTime, $to: DateTime, $userId: ID) {\n    usageTotals(from: $from, to: $to, userId: $userId) { totalRequests totalCost byUser { user { username } requests cost } quota { daily { used } } }\n  }\n": types.TotalsDocument,
    "\n  query Users($offset: Int, $limit: Int) {\n    users(offset: $offset, limit: $limit) { total offset limit items { databaseId username } }\n  }\n": types.UsersDocument,
    "\n  query UsersConnection($first: Int, $after: String) {\n    usersConnection(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { cursor node { databaseId username } }\n    }\n  }\n": types.UsersConnectionDocument,
    "query User($id: ID!) { user(id: $id) { id databaseId username role tier disabled } }": types.UserDocument,
    "\n  mutation UpdateUser($id: ID!, $input: AdminUpdateUserInput!) {\n    updateUser(id: $id, input: $input) { databaseId role tier disabled }\n  }\n": types.UpdateUserDocument,
    "mutation DeleteUser($id: ID!) { deleteUser(id: $id) }": types.DeleteUserDocument,
    "mutation ResetUserPassword($id: ID!, $pw: String!) { resetUserPassword(id: $id, newPassword: $pw) }": types.ResetUserPasswordDocument,
    "\n  mutation CreateUser($input: AdminCreateUserInput!) { createUser(input: $input) { databaseId username role tier } }\n": types.CreateUserDocument,
    "query Node($id: ID!) { node(id: $id) { id ... on User { username } } }": types.NodeDocument,
    "mutation CreateWebhook($input: CreateWebhookInput!) { createWebhook(input: $input) { id url events secret active } }": types.CreateWebhookDocument,
    "mutation UpdateWebhook($id: String!, $input: UpdateWebhookInput!) { updateWebhook(id: $id, input: $input) { id active events disabledAt } }": types.UpdateWebhookDocument,
    "mutation DeleteWebhook($id: String!) { deleteWebhook(id: $id) }": types.DeleteWebhookDocument,
    "\n  query WebhookQuery($id: String!) {\n    webhook(id: $id) {\n      id active disabledAt disabledReason lastDeliveryAt\n      deliveries(limit: 100) { id eventType status attemptCount payload attempts { attemptNo statusCode success latencyMs responseExcerpt error } }\n    }\n  }\n": types.WebhookQueryDocument,
    "query Webhooks { webhooks { id } }": types.WebhooksDocument,
    "mutation Replay($id: String!) { replayWebhookDelivery(id: $id) { id status } }": types.ReplayDocument,
    "mutation HookText($input: GenerateTextInput!) { generateText(input: $input) { databaseId } }": types.HookTextDocument,
    "mutation HookImage($input: GenerateImageInput!) { generateImage(input: $input) { databaseId } }": types.HookImageDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id name permissions expiresAt usageCount lastUsedAt } } }"): (typeof documents)["mutation CreateKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id name permissions expiresAt usageCount lastUsedAt } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateKey($id: String!, $input: UpdateApiKeyInput!) { updateApiKey(id: $id, input: $input) { id name permissions } }"): (typeof documents)["mutation UpdateKey($id: String!, $input: UpdateApiKeyInput!) { updateApiKey(id: $id, input: $input) { id name permissions } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteKey($id: String!) { deleteApiKey(id: $id) }"): (typeof documents)["mutation DeleteKey($id: String!) { deleteApiKey(id: $id) }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Keys { apiKeys { id name permissions usageCount lastUsedAt } }"): (typeof documents)["query Keys { apiKeys { id name permissions usageCount lastUsedAt } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query KeyQuery($id: String!) { apiKey(id: $id) { id usageCount lastUsedAt } }"): (typeof documents)["query KeyQuery($id: String!) { apiKey(id: $id) { id usageCount lastUsedAt } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query KeyMe { me { databaseId username } }"): (typeof documents)["query KeyMe { me { databaseId username } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation KeyGen($input: GenerateImageInput!) { generateImage(input: $input) { databaseId } }"): (typeof documents)["mutation KeyGen($input: GenerateImageInput!) { generateImage(input: $input) { databaseId } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query KeyHistory { tasks { total } }"): (typeof documents)["query KeyHistory { tasks { total } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query KeyHooks { webhooks { id } }"): (typeof documents)["query KeyHooks { webhooks { id } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation KeyChat { createChat(input: { title: \"secret plans\" }) { id } }"): (typeof documents)["mutation KeyChat { createChat(input: { title: \"secret plans\" }) { id } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query KeyNodeChat($id: ID!) { node(id: $id) { ... on Chat { title } } }"): (typeof documents)["query KeyNodeChat($id: ID!) { node(id: $id) { ... on Chat { title } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation LibraryImage($input: GenerateImageInput!) { generateImage(input: $input) { databaseId } }"): (typeof documents)["mutation LibraryImage($input: GenerateImageInput!) { generateImage(input: $input) { databaseId } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation LibraryVideo($input: GenerateVideoInput!) { generateVideo(input: $input) { databaseId } }"): (typeof documents)["mutation LibraryVideo($input: GenerateVideoInput!) { generateVideo(input: $input) { databaseId } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LibraryAssets($type: AssetTypeFilter, $sort: AssetSort, $offset: Int, $limit: Int) {\n    assets(type: $type, sort: $sort, offset: $offset, limit: $limit) {\n      total offset limit\n      items { id databaseId kind fileName mimeType size url thumbnailUrl downloadUrl }\n    }\n  }\n"): (typeof documents)["\n  query LibraryAssets($type: AssetTypeFilter, $sort: AssetSort, $offset: Int, $limit: Int) {\n    assets(type: $type, sort: $sort, offset: $offset, limit: $limit) {\n      total offset limit\n      items { id databaseId kind fileName mimeType size url thumbnailUrl downloadUrl }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LibraryConnection($type: AssetTypeFilter, $sort: AssetSort, $first: Int, $after: String) {\n    assetsConnection(type: $type, sort: $sort, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { databaseId kind } }\n    }\n  }\n"): (typeof documents)["\n  query LibraryConnection($type: AssetTypeFilter, $sort: AssetSort, $first: Int, $after: String) {\n    assetsConnection(type: $type, sort: $sort, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { databaseId kind } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query LibraryAsset($id: ID!) { asset(id: $id) { databaseId url } }"): (typeof documents)["query LibraryAsset($id: ID!) { asset(id: $id) { databaseId url } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation LibraryDelete($id: ID!) { deleteAsset(id: $id) }"): (typeof documents)["mutation LibraryDelete($id: ID!) { deleteAsset(id: $id) }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation LibraryDeleteByUrl($url: String!) { deleteAssetByUrl(url: $url) }"): (typeof documents)["mutation LibraryDeleteByUrl($url: String!) { deleteAssetByUrl(url: $url) }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation LibraryRate($assetId: ID!) { rateResult(assetId: $assetId, isLike: true, feedback: \"keep\") { isLike } }"): (typeof documents)["mutation LibraryRate($assetId: ID!) { rateResult(assetId: $assetId, isLike: true, feedback: \"keep\") { isLike } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Refresh($token: String!) {\n    refreshToken(refreshToken: $token) { accessToken refreshToken user { databaseId } }\n  }\n"): (typeof documents)["\n  mutation Refresh($token: String!) {\n    refreshToken(refreshToken: $token) { accessToken refreshToken user { databaseId } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Logout { logout }"): (typeof documents)["mutation Logout { logout }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangePassword($input: ChangePasswordInput!) { changePassword(input: $input) }\n"): (typeof documents)["\n  mutation ChangePassword($input: ChangePasswordInput!) { changePassword(input: $input) }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateProfile($input: UpdateProfileInput!) {\n    updateProfile(input: $input) { username email name fullName phoneNumber metadata }\n  }\n"): (typeof documents)["\n  mutation UpdateProfile($input: UpdateProfileInput!) {\n    updateProfile(input: $input) { username email name fullName phoneNumber metadata }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateCodes($input: CreateRedemptionCodesInput!, $key: String) {\n    createRedemptionCodes(input: $input, idempotencyKey: $key) { code amount maxUses usedCount remainingUses expiresAt redeemable batchId }\n  }\n"): (typeof documents)["\n  mutation CreateCodes($input: CreateRedemptionCodesInput!, $key: String) {\n    createRedemptionCodes(input: $input, idempotencyKey: $key) { code amount maxUses usedCount remainingUses expiresAt redeemable batchId }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ReadCode($code: String!) { redemptionCode(code: $code) { code amount remainingUses redeemable expiresAt } }"): (typeof documents)["query ReadCode($code: String!) { redemptionCode(code: $code) { code amount remainingUses redeemable expiresAt } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ReadCodeAdmin($code: String!) {\n    redemptionCode(code: $code) { code usedCount batchId note createdBy { username } redemptions { amount user { username } } }\n  }\n"): (typeof documents)["\n  query ReadCodeAdmin($code: String!) {\n    redemptionCode(code: $code) { code usedCount batchId note createdBy { username } redemptions { amount user { username } } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ListCodes($batchId: String) { redemptionCodes(batchId: $batchId, limit: 100) { total items { code batchId } } }"): (typeof documents)["query ListCodes($batchId: String) { redemptionCodes(batchId: $batchId, limit: 100) { total items { code batchId } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteCode($code: String!) { deleteRedemptionCode(code: $code) }"): (typeof documents)["mutation DeleteCode($code: String!) { deleteRedemptionCode(code: $code) }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Redeem($code: String!, $key: String) {\n    redeemCode(code: $code, idempotencyKey: $key) { code amount credits { available reserved } entry { id kind amount balanceAfter } }\n  }\n"): (typeof documents)["\n  mutation Redeem($code: String!, $key: String) {\n    redeemCode(code: $code, idempotencyKey: $key) { code amount credits { available reserved } entry { id kind amount balanceAfter } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Ledger { me { credits { available } creditEntries { total items { kind amount balanceAfter reason } } } }"): (typeof documents)["query Ledger { me { credits { available } creditEntries { total items { kind amount balanceAfter reason } } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Adjust($userId: ID!, $amount: Int!, $reason: String!, $key: String) {\n    adjustCredits(userId: $userId, amount: $amount, reason: $reason, idempotencyKey: $key) {\n      credits { available reserved }\n      entry { id kind amount balanceAfter reason }\n      user { username }\n    }\n  }\n"): (typeof documents)["\n  mutation Adjust($userId: ID!, $amount: Int!, $reason: String!, $key: String) {\n    adjustCredits(userId: $userId, amount: $amount, reason: $reason, idempotencyKey: $key) {\n      credits { available reserved }\n      entry { id kind amount balanceAfter reason }\n      user { username }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Balance { me { credits { available } creditEntries(limit: 100) { total } } }"): (typeof documents)["query Balance { me { credits { available } creditEntries(limit: 100) { total } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query MyCredits { me { credits { available reserved } } }"): (typeof documents)["query MyCredits { me { credits { available reserved } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateChat($input: ChatInput) { createChat(input: $input) { id databaseId title modelId systemPrompt preset { databaseId } } }"): (typeof documents)["mutation CreateChat($input: ChatInput) { createChat(input: $input) { id databaseId title modelId systemPrompt preset { databaseId } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateChat($id: ID!, $input: ChatInput!) { updateChat(id: $id, input: $input) { id title modelId systemPrompt } }"): (typeof documents)["mutation UpdateChat($id: ID!, $input: ChatInput!) { updateChat(id: $id, input: $input) { id title modelId systemPrompt } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteChat($id: ID!) { deleteChat(id: $id) }"): (typeof documents)["mutation DeleteChat($id: ID!) { deleteChat(id: $id) }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Chats($offset: Int, $limit: Int) { chats(offset: $offset, limit: $limit) { total offset limit items { databaseId title } } }"): (typeof documents)["query Chats($offset: Int, $limit: Int) { chats(offset: $offset, limit: $limit) { total offset limit items { databaseId title } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ChatsConnection($first: Int, $after: String) { chatsConnection(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { databaseId } } } }"): (typeof documents)["query ChatsConnection($first: Int, $after: String) { chatsConnection(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { databaseId } } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ChatQuery($id: ID!) {\n    chat(id: $id) { databaseId title messageCount messages { role content promptTokens completionTokens taskId } }\n  }\n"): (typeof documents)["\n  query ChatQuery($id: ID!) {\n    chat(id: $id) { databaseId title messageCount messages { role content promptTokens completionTokens taskId } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Send($chatId: ID!, $content: String!, $options: ChatSendOptions) {\n    sendChatMessage(chatId: $chatId, content: $content, options: $options) { message { role content } task { databaseId status input cost } }\n  }\n"): (typeof documents)["\n  mutation Send($chatId: ID!, $content: String!, $options: ChatSendOptions) {\n    sendChatMessage(chatId: $chatId, content: $content, options: $options) { message { role content } task { databaseId status input cost } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreatePreset($input: CreatePresetInput!) { createPreset(input: $input) { id databaseId name modelId parameters systemPrompt shared mine } }"): (typeof documents)["mutation CreatePreset($input: CreatePresetInput!) { createPreset(input: $input) { id databaseId name modelId parameters systemPrompt shared mine } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdatePreset($id: ID!, $input: UpdatePresetInput!) { updatePreset(id: $id, input: $input) { name parameters } }"): (typeof documents)["mutation UpdatePreset($id: ID!, $input: UpdatePresetInput!) { updatePreset(id: $id, input: $input) { name parameters } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeletePreset($id: ID!) { deletePreset(id: $id) }"): (typeof documents)["mutation DeletePreset($id: ID!) { deletePreset(id: $id) }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Presets($mine: Boolean) { presets(mine: $mine) { total items { databaseId name shared mine } } }"): (typeof documents)["query Presets($mine: Boolean) { presets(mine: $mine) { total items { databaseId name shared mine } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PresetQuery($id: ID!) { preset(id: $id) { databaseId name } }"): (typeof documents)["query PresetQuery($id: ID!) { preset(id: $id) { databaseId name } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation PresetImage($input: GenerateImageInput!) { generateImage(input: $input) { databaseId modelId input } }"): (typeof documents)["mutation PresetImage($input: GenerateImageInput!) { generateImage(input: $input) { databaseId modelId input } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Styles { styles { id name promptTemplate enabled } }"): (typeof documents)["query Styles { styles { id name promptTemplate enabled } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateOrder($input: OrderInput!) { createOrder(input: $input) { id databaseId kind parentId status styles { id } } }"): (typeof documents)["mutation CreateOrder($input: OrderInput!) { createOrder(input: $input) { id databaseId kind parentId status styles { id } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Upload($orderId: ID!, $image: String, $gender: Int) { uploadTrainingImage(orderId: $orderId, image: $image, gender: $gender) { selfieId gender selected mimeType width height } }"): (typeof documents)["mutation Upload($orderId: ID!, $image: String, $gender: Int) { uploadTrainingImage(orderId: $orderId, image: $image, gender: $gender) { selfieId gender selected mimeType width height } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Select($orderId: ID!, $selfieId: Int!) { selectTrainingImage(orderId: $orderId, selfieId: $selfieId) { selfieId selected } }"): (typeof documents)["mutation Select($orderId: ID!, $selfieId: Int!) { selectTrainingImage(orderId: $orderId, selfieId: $selfieId) { selfieId selected } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Run($id: ID!) { runOrder(id: $id) { databaseId kindName status cost input } }"): (typeof documents)["mutation Run($id: ID!) { runOrder(id: $id) { databaseId kindName status cost input } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OrderQuery($id: ID!) {\n    order(id: $id) { databaseId kind parentId status progress message trained mainImageId trainingImages { selfieId selected } avatars { databaseId kind url metadata } }\n  }\n"): (typeof documents)["\n  query OrderQuery($id: ID!) {\n    order(id: $id) { databaseId kind parentId status progress message trained mainImageId trainingImages { selfieId selected } avatars { databaseId kind url metadata } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Orders($kind: OrderKind, $parent: Int) { orders(kind: $kind, parent: $parent) { total items { databaseId kind parentId status } } }"): (typeof documents)["query Orders($kind: OrderKind, $parent: Int) { orders(kind: $kind, parent: $parent) { total items { databaseId kind parentId status } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PersonalModels { personalModels { total items { databaseId status trained } } }"): (typeof documents)["query PersonalModels { personalModels { total items { databaseId status trained } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Avatars($modelId: ID!, $page: Int, $pageSize: Int) { avatars(modelId: $modelId, page: $page, pageSize: $pageSize) { total page pageSize items { databaseId kind width height } } }"): (typeof documents)["query Avatars($modelId: ID!, $page: Int, $pageSize: Int) { avatars(modelId: $modelId, page: $page, pageSize: $pageSize) { total page pageSize items { databaseId kind width height } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateStyle($input: StyleInput!) { createStyle(input: $input) { id name enabled } }"): (typeof documents)["mutation CreateStyle($input: StyleInput!) { createStyle(input: $input) { id name enabled } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateStyle($id: Int!, $input: StyleInput!) { updateStyle(id: $id, input: $input) { id enabled } }"): (typeof documents)["mutation UpdateStyle($id: Int!, $input: StyleInput!) { updateStyle(id: $id, input: $input) { id enabled } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteStyle($id: Int!) { deleteStyle(id: $id) }"): (typeof documents)["mutation DeleteStyle($id: Int!) { deleteStyle(id: $id) }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      accessToken\n      refreshToken\n      tokenType\n      expiresIn\n      user { id databaseId username email role tier }\n    }\n  }\n"): (typeof documents)["\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      accessToken\n      refreshToken\n      tokenType\n      expiresIn\n      user { id databaseId username email role tier }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Login($input: LoginInput!) {\n    login(input: $input) {\n      accessToken\n      refreshToken\n      user { id databaseId username }\n    }\n  }\n"): (typeof documents)["\n  mutation Login($input: LoginInput!) {\n    login(input: $input) {\n      accessToken\n      refreshToken\n      user { id databaseId username }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me { id databaseId username email name fullName phoneNumber avatarUrl metadata role tier disabled createdAt }\n  }\n"): (typeof documents)["\n  query Me {\n    me { id databaseId username email name fullName phoneNumber avatarUrl metadata role tier disabled createdAt }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query MeId { me { id } }"): (typeof documents)["query MeId { me { id } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Tiers { tiers { tier perMinute daily weekly monthly } }"): (typeof documents)["query Tiers { tiers { tier perMinute daily weekly monthly } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyQuota {\n    me { quota { daily { used limit remaining resetsAt } weekly { used limit remaining } monthly { used limit remaining } } }\n  }\n"): (typeof documents)["\n  query MyQuota {\n    me { quota { daily { used limit remaining resetsAt } weekly { used limit remaining } monthly { used limit remaining } } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Models($kind: ModelKind, $all: Boolean) {\n    models(kind: $kind, includeDisabled: $all) { id name kind maxTokens supportedEndpoints enabled pricing { perImage perSecond per1kTokens flat } }\n  }\n"): (typeof documents)["\n  query Models($kind: ModelKind, $all: Boolean) {\n    models(kind: $kind, includeDisabled: $all) { id name kind maxTokens supportedEndpoints enabled pricing { perImage perSecond per1kTokens flat } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query OneModel($id: String!) { model(id: $id) { id name description info { whatIs useCases tips } } }"): (typeof documents)["query OneModel($id: String!) { model(id: $id) { id name description info { whatIs useCases tips } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ModelProvider($id: String!) { model(id: $id) { id provider } }"): (typeof documents)["query ModelProvider($id: String!) { model(id: $id) { id provider } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Estimate($model: String!, $images: Int, $seconds: Float, $tokens: Int) {\n    estimateCost(model: $model, images: $images, seconds: $seconds, tokens: $tokens) { model credits available sufficient }\n  }\n"): (typeof documents)["\n  query Estimate($model: String!, $images: Int, $seconds: Float, $tokens: Int) {\n    estimateCost(model: $model, images: $images, seconds: $seconds, tokens: $tokens) { model credits available sufficient }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateModel($input: CreateModelInput!) { createModel(input: $input) { id name kind pricing { perImage } info { tips } } }"): (typeof documents)["mutation CreateModel($input: CreateModelInput!) { createModel(input: $input) { id name kind pricing { perImage } info { tips } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateModel($id: String!, $input: UpdateModelInput!) { updateModel(id: $id, input: $input) { id enabled pricing { perImage } } }"): (typeof documents)["mutation UpdateModel($id: String!, $input: UpdateModelInput!) { updateModel(id: $id, input: $input) { id enabled pricing { perImage } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteModel($id: String!) { deleteModel(id: $id) }"): (typeof documents)["mutation DeleteModel($id: String!) { deleteModel(id: $id) }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation StreamKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }"): (typeof documents)["mutation StreamKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation MoodKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }"): (typeof documents)["mutation MoodKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Rename($name: String!) { updateProfile(input: { name: $name }) { name } }"): (typeof documents)["mutation Rename($name: String!) { updateProfile(input: { name: $name }) { name } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation S3Image { generateImage(input: { model: \"sd15\", prompt: \"stored in s3\", width: 64, height: 64 }) { id databaseId } }"): (typeof documents)["mutation S3Image { generateImage(input: { model: \"sd15\", prompt: \"stored in s3\", width: 64, height: 64 }) { id databaseId } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query S3Task($id: ID!) { task(id: $id) { status assets { url thumbnailUrl } } }"): (typeof documents)["query S3Task($id: ID!) { task(id: $id) { status assets { url thumbnailUrl } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GenerateImage($input: GenerateImageInput!, $key: String) {\n    generateImage(input: $input, idempotencyKey: $key) { id databaseId status kindName cost queuePosition }\n  }\n"): (typeof documents)["\n  mutation GenerateImage($input: GenerateImageInput!, $key: String) {\n    generateImage(input: $input, idempotencyKey: $key) { id databaseId status kindName cost queuePosition }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation EditImage($input: EditImageInput!) { editImage(input: $input) { id databaseId status cost } }"): (typeof documents)["mutation EditImage($input: EditImageInput!) { editImage(input: $input) { id databaseId status cost } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation GenerateVideo($input: GenerateVideoInput!) { generateVideo(input: $input) { id databaseId cost } }"): (typeof documents)["mutation GenerateVideo($input: GenerateVideoInput!) { generateVideo(input: $input) { id databaseId cost } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Chat($input: ChatCompletionInput!) { createChatCompletion(input: $input) { id databaseId cost } }"): (typeof documents)["mutation Chat($input: ChatCompletionInput!) { createChatCompletion(input: $input) { id databaseId cost } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation GenText($input: GenerateTextInput!) { generateText(input: $input) { id databaseId } }"): (typeof documents)["mutation GenText($input: GenerateTextInput!) { generateText(input: $input) { id databaseId } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TaskQuery($id: ID!) {\n    task(id: $id) {\n      id databaseId status progress kindName cost errorCode texts output\n      model { id name }\n      assets { id databaseId kind mimeType width height durationSec url thumbnailUrl metadata }\n    }\n  }\n"): (typeof documents)["\n  query TaskQuery($id: ID!) {\n    task(id: $id) {\n      id databaseId status progress kindName cost errorCode texts output\n      model { id name }\n      assets { id databaseId kind mimeType width height durationSec url thumbnailUrl metadata }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query History($filter: TaskFilter, $limit: Int) { tasks(filter: $filter, limit: $limit) { total items { databaseId kindName status } } }\n"): (typeof documents)["\n  query History($filter: TaskFilter, $limit: Int) { tasks(filter: $filter, limit: $limit) { total items { databaseId kindName status } } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query TaskCredits { me { credits { available reserved } } }"): (typeof documents)["query TaskCredits { me { credits { available reserved } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Rate($assetId: ID!, $like: Boolean, $dislike: Boolean, $text: String) { rateResult(assetId: $assetId, isLike: $like, isDislike: $dislike, feedback: $text) { isLike isDislike feedback } }"): (typeof documents)["mutation Rate($assetId: ID!, $like: Boolean, $dislike: Boolean, $text: String) { rateResult(assetId: $assetId, isLike: $like, isDislike: $dislike, feedback: $text) { isLike isDislike feedback } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query TaskNode($id: ID!) { node(id: $id) { id } }"): (typeof documents)["query TaskNode($id: ID!) { node(id: $id) { id } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LifeGenerate($input: GenerateImageInput!) { generateImage(input: $input) { id databaseId status queuePosition etaSeconds } }\n"): (typeof documents)["\n  mutation LifeGenerate($input: GenerateImageInput!) { generateImage(input: $input) { id databaseId status queuePosition etaSeconds } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation LifeCancel($id: ID!) { cancelTask(id: $id) { status cancelRequested errorCode } }"): (typeof documents)["mutation LifeCancel($id: ID!) { cancelTask(id: $id) { status cancelRequested errorCode } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation LifeRetry($id: ID!) { retryTask(id: $id) { databaseId status retryOf { databaseId } } }"): (typeof documents)["mutation LifeRetry($id: ID!) { retryTask(id: $id) { databaseId status retryOf { databaseId } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation LifeDelete($id: ID!) { deleteTask(id: $id) }"): (typeof documents)["mutation LifeDelete($id: ID!) { deleteTask(id: $id) }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query LifeGet($id: ID!) { task(id: $id) { status queuePosition etaSeconds progress errorCode errorMessage attempts cost } }"): (typeof documents)["query LifeGet($id: ID!) { task(id: $id) { status queuePosition etaSeconds progress errorCode errorMessage attempts cost } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query LifeCredits { me { credits { available reserved } } }"): (typeof documents)["query LifeCredits { me { credits { available reserved } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RoutedImage($input: GenerateImageInput!) { generateImage(input: $input) { databaseId } }"): (typeof documents)["mutation RoutedImage($input: GenerateImageInput!) { generateImage(input: $input) { databaseId } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RoutedChat($input: ChatCompletionInput!) { createChatCompletion(input: $input) { databaseId } }"): (typeof documents)["mutation RoutedChat($input: ChatCompletionInput!) { createChatCompletion(input: $input) { databaseId } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query RoutedResult($id: ID!) { task(id: $id) { status texts cost output assets { kind width height url } } }"): (typeof documents)["query RoutedResult($id: ID!) { task(id: $id) { status texts cost output assets { kind width height url } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Usage($from: DateTime, $to: DateTime, $model: String) {\n    usage(from: $from, to: $to, model: $model) {\n      totalRequests totalTokens totalCost\n      byModel { model requests tokens cost }\n      byDate { date requests tokens cost }\n      quota { daily { used limit } }\n    }\n  }\n"): (typeof documents)["\n  query Usage($from: DateTime, $to: DateTime, $model: String) {\n    usage(from: $from, to: $to, model: $model) {\n      totalRequests totalTokens totalCost\n      byModel { model requests tokens cost }\n      byDate { date requests tokens cost }\n      quota { daily { used limit } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Totals($from: DateTime, $to: DateTime, $userId: ID) {\n    usageTotals(from: $from, to: $to, userId: $userId) { totalRequests totalCost byUser { user { username } requests cost } quota { daily { used } } }\n  }\n"): (typeof documents)["\n  query Totals($from: DateTime, $to: DateTime, $userId: ID) {\n    usageTotals(from: $from, to: $to, userId: $userId) { totalRequests totalCost byUser { user { username } requests cost } quota { daily { used } } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Users($offset: Int, $limit: Int) {\n    users(offset: $offset, limit: $limit) { total offset limit items { databaseId username } }\n  }\n"): (typeof documents)["\n  query Users($offset: Int, $limit: Int) {\n    users(offset: $offset, limit: $limit) { total offset limit items { databaseId username } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UsersConnection($first: Int, $after: String) {\n    usersConnection(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { cursor node { databaseId username } }\n    }\n  }\n"): (typeof documents)["\n  query UsersConnection($first: Int, $after: String) {\n    usersConnection(first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { cursor node { databaseId username } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query User($id: ID!) { user(id: $id) { id databaseId username role tier disabled } }"): (typeof documents)["query User($id: ID!) { user(id: $id) { id databaseId username role tier disabled } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateUser($id: ID!, $input: AdminUpdateUserInput!) {\n    updateUser(id: $id, input: $input) { databaseId role tier disabled }\n  }\n"): (typeof documents)["\n  mutation UpdateUser($id: ID!, $input: AdminUpdateUserInput!) {\n    updateUser(id: $id, input: $input) { databaseId role tier disabled }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteUser($id: ID!) { deleteUser(id: $id) }"): (typeof documents)["mutation DeleteUser($id: ID!) { deleteUser(id: $id) }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ResetUserPassword($id: ID!, $pw: String!) { resetUserPassword(id: $id, newPassword: $pw) }"): (typeof documents)["mutation ResetUserPassword($id: ID!, $pw: String!) { resetUserPassword(id: $id, newPassword: $pw) }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateUser($input: AdminCreateUserInput!) { createUser(input: $input) { databaseId username role tier } }\n"): (typeof documents)["\n  mutation CreateUser($input: AdminCreateUserInput!) { createUser(input: $input) { databaseId username role tier } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Node($id: ID!) { node(id: $id) { id ... on User { username } } }"): (typeof documents)["query Node($id: ID!) { node(id: $id) { id ... on User { username } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateWebhook($input: CreateWebhookInput!) { createWebhook(input: $input) { id url events secret active } }"): (typeof documents)["mutation CreateWebhook($input: CreateWebhookInput!) { createWebhook(input: $input) { id url events secret active } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateWebhook($id: String!, $input: UpdateWebhookInput!) { updateWebhook(id: $id, input: $input) { id active events disabledAt } }"): (typeof documents)["mutation UpdateWebhook($id: String!, $input: UpdateWebhookInput!) { updateWebhook(id: $id, input: $input) { id active events disabledAt } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteWebhook($id: String!) { deleteWebhook(id: $id) }"): (typeof documents)["mutation DeleteWebhook($id: String!) { deleteWebhook(id: $id) }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WebhookQuery($id: String!) {\n    webhook(id: $id) {\n      id active disabledAt disabledReason lastDeliveryAt\n      deliveries(limit: 100) { id eventType status attemptCount payload attempts { attemptNo statusCode success latencyMs responseExcerpt error } }\n    }\n  }\n"): (typeof documents)["\n  query WebhookQuery($id: String!) {\n    webhook(id: $id) {\n      id active disabledAt disabledReason lastDeliveryAt\n      deliveries(limit: 100) { id eventType status attemptCount payload attempts { attemptNo statusCode success latencyMs responseExcerpt error } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Webhooks { webhooks { id } }"): (typeof documents)["query Webhooks { webhooks { id } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Replay($id: String!) { replayWebhookDelivery(id: $id) { id status } }"): (typeof documents)["mutation Replay($id: String!) { replayWebhookDelivery(id: $id) { id status } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation HookText($input: GenerateTextInput!) { generateText(input: $input) { databaseId } }"): (typeof documents)["mutation HookText($input: GenerateTextInput!) { generateText(input: $input) { databaseId } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation HookImage($input: GenerateImageInput!) { generateImage(input: $input) { databaseId } }"): (typeof documents)["mutation HookImage($input: GenerateImageInput!) { generateImage(input: $input) { databaseId } }"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;